internal import CLibXML2

/// The text of a section's narrative block, indexed by the `ID` attributes inside it, so that
/// `originalText/reference value="#id"` can be resolved.
///
/// The narrative precedes the entries in a section, so it is indexed while streaming past it:
/// text is appended once to one byte buffer, and each element with an `ID` records the range it
/// covers (nested elements are contiguous in document order). Strings are made only for IDs an
/// entry actually references. The buffers are reused from section to section.
struct NarrativeIndex {
    private var text: [UInt8] = []
    private var idBytes: [UInt8] = []
    private struct Entry {
        var idStart: Int32, idEnd: Int32, textStart: Int32, textEnd: Int32
    }
    private var entries: [Entry] = []
    private var byHash: [UInt64: Int32] = [:]
    /// Open elements with an ID: index into `entries` and element depth.
    private var open: [(entry: Int, depth: Int)] = []

    mutating func reset() {
        text.removeAll(keepingCapacity: true)
        idBytes.removeAll(keepingCapacity: true)
        entries.removeAll(keepingCapacity: true)
        byHash.removeAll(keepingCapacity: true)
        open.removeAll(keepingCapacity: true)
    }

    mutating func appendText(_ p: UnsafePointer<UInt8>) {
        text.append(contentsOf: UnsafeBufferPointer(start: p, count: Int(xmlStrlen(p))))
    }

    /// A word break between block elements (table cells, paragraphs, list items).
    mutating func appendBreak() {
        if let last = text.last, last != 0x20 { text.append(0x20) }
    }

    mutating func openElement(id: UnsafePointer<UInt8>, depth: Int) {
        let idStart = idBytes.count
        var i = 0
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        while id[i] != 0 {
            idBytes.append(id[i])
            hash = (hash ^ UInt64(id[i])) &* 0x100_0000_01b3
            i += 1
        }
        let index = entries.count
        entries.append(Entry(idStart: Int32(idStart), idEnd: Int32(idBytes.count), textStart: Int32(text.count),
                             textEnd: Int32(text.count)))
        if byHash[hash] == nil { byHash[hash] = Int32(index) }
        open.append((index, depth))
    }

    mutating func closeElement(depth: Int) {
        guard let last = open.last, last.depth == depth else { return }
        open.removeLast()
        entries[last.entry].textEnd = Int32(text.count)
    }

    /// The collapsed text of the element whose ID is `reference` (`#id`, or a bare id).
    func resolve(_ reference: String) -> String? {
        var ref = Substring(reference)
        if let hashIndex = ref.lastIndex(of: "#") { ref = ref[ref.index(after: hashIndex)...] }
        let key = Array(ref.utf8)
        guard !key.isEmpty else { return nil }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in key { hash = (hash ^ UInt64(b)) &* 0x100_0000_01b3 }
        if let i = byHash[hash], matches(entries[Int(i)], key) { return textOf(entries[Int(i)]) }
        // A hash collision or a duplicated ID: fall back to a scan (rare).
        for e in entries where matches(e, key) { return textOf(e) }
        return nil
    }

    private func matches(_ e: Entry, _ key: [UInt8]) -> Bool {
        guard Int(e.idEnd - e.idStart) == key.count else { return false }
        var k = 0
        for i in Int(e.idStart)..<Int(e.idEnd) {
            if idBytes[i] != key[k] { return false }
            k += 1
        }
        return true
    }

    private func textOf(_ e: Entry) -> String? {
        text.withUnsafeBufferPointer { collapsedText(UnsafeBufferPointer(rebasing: $0[Int(e.textStart)..<Int(e.textEnd)])) }
    }
}
