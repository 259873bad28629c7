import ClinicalModel

/// A concept's texts, folded as ``TextMatcher`` folds text, once: for a concept matched against
/// many value sets (medication names, a metastasis code's sites, a staging value).
struct FoldedTexts {
    let texts: [[UInt8]]

    init(_ concept: Concept) {
        texts = concept.texts.map(TextMatcher.foldedBytes)
    }
}
