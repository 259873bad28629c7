internal import CLibXML2
import ClinicalModel

// A recognized section's `text` block: the human-readable narrative that entries point into
// (`originalText/reference`, an act's `text/reference`). Indexed while it streams past, because
// no tree is kept to look it up later; the index lives until the next section replaces it.

extension DocumentWalker {
    /// An element inside the narrative: a target of references when it has an ID, and a word
    /// break unless it is inline markup.
    mutating func startInNarrative(_ name: Name, _ node: UnsafeMutablePointer<xmlNode>, _ depth: Int) {
        if let id = attributes(node).id { narrative.openElement(id: id, depth: depth) }
        if !name.isInlineMarkup { narrative.appendBreak() }
    }

    /// The end of an element inside the narrative, or of the `text` block itself (`nd`).
    mutating func endInNarrative(_ nd: Int, _ name: Name, _ depth: Int) {
        if depth == nd {
            narrativeDepth = nil
        } else {
            narrative.closeElement(depth: depth)
            if !name.isInlineMarkup { narrative.appendBreak() }
        }
    }

    /// A concept's text, falling back to the act's own `text/reference` into the narrative.
    func withNarrativeText(_ concept: Concept?, _ f: EntryFrame) -> Concept {
        var c = concept ?? Concept()
        if c.text == nil, let ref = f.textReference { c.text = narrative.resolve(ref) }
        return c
    }
}
