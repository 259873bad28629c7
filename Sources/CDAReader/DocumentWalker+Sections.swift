internal import CLibXML2
import ClinicalModel

// Sections: an element belongs to its nearest enclosing section, at any depth below it, and a
// section's kind is known from its first direct children (templateId, else code) before any
// entry. Apart from the entries because a section also decides what is *not* read: DESIGN
// "Sections with entries but nothing read" — each entry that yields nothing is counted and
// warned about, and in Problems and Medications leaves a placeholder so absence stays open.

extension DocumentWalker {
    struct SectionState {
        let depth: Int
        let line: Int?
        /// `entry` children: clinical entries the section holds.
        var entries = 0
        /// The `entry` being read: where it started, and whether it holds something the reader
        /// leaves out on purpose (an Instruction, a Planned Coverage, a Goal).
        var openEntry: (depth: Int, line: Int?, statementsBefore: Int, recognized: Bool)?
        /// Entries in which nothing could be read.
        var unreadEntries = 0
        var byTemplate: SectionKind?
        var byCode: SectionKind?
        var resolved = false
        var kind: SectionKind? { byTemplate ?? byCode }
    }

    /// An element inside the innermost open section: one of the section's own children, or
    /// (once its kind is known) part of an entry.
    mutating func startInSection(_ name: Name, _ node: UnsafeMutablePointer<xmlNode>, _ depth: Int) {
        let sectionIndex = sections.count - 1
        let section = sections[sectionIndex]
        if depth == section.depth + 1 {
            switch name {
            case .templateId:
                if section.byTemplate == nil, let root = attributes(node).root {
                    sections[sectionIndex].byTemplate = tables.section(templateRoot: root)
                }
            case .code:
                let a = attributes(node)
                if section.byCode == nil, let code = a.code {
                    sections[sectionIndex].byCode = tables.section(code: code, codeSystem: a.codeSystem)
                }
            case .id:
                break
            default:
                if name == .entry {
                    sections[sectionIndex].entries += 1
                    sections[sectionIndex].openEntry = (depth, line(node), statements.count, false)
                }
                if !section.resolved {
                    sections[sectionIndex].resolved = true
                    if section.kind != nil { narrative.reset() }
                }
                if name == .text && section.kind != nil { narrativeDepth = depth }
            }
            return
        }
        guard section.resolved, let kind = section.kind, depth > section.depth + 1 else { return }
        startInEntry(name, node, depth, kind)
    }

    /// The end of an `entry` of the innermost section; false when it is not that section's entry.
    mutating func closeEntry(_ depth: Int) -> Bool {
        guard let i = sections.indices.last, let entry = sections[i].openEntry, entry.depth == depth else { return false }
        sections[i].openEntry = nil
        if let kind = sections[i].kind, !entry.recognized, statements.count == entry.statementsBefore {
            sections[i].unreadEntries += 1
            unreadEntry(in: kind, line: entry.line)
        }
        return true
    }

    /// The end of the innermost section; false when it is not that section's end.
    mutating func closeSection(_ depth: Int) -> Bool {
        guard let s = sections.last, s.depth == depth else { return false }
        sections.removeLast()
        if let kind = s.kind, s.unreadEntries > 0 { warnUnread(s, kind) }
        return true
    }

    /// DESIGN: a section that holds entries of which none could be read is a warning, never silent
    /// (an unknown or legacy entry template the reader does not know); so is a section in which
    /// only some could be read.
    mutating func warnUnread(_ s: SectionState, _ kind: SectionKind) {
        let n = s.entries
        let k = s.unreadEntries
        if k == n {
            warnings.append(Diagnostic(
                kind: "cda-section-unread", severity: .warning, file: file, line: s.line,
                path: "section (\(kind.title))",
                message: "the \(kind.title) section holds \(n) entr\(n == 1 ? "y" : "ies") and none could be read "
                    + "(no entry template the reader knows); \(n == 1 ? "it was" : "they were") not used."))
        } else {
            warnings.append(Diagnostic(
                kind: "cda-entry-unread", severity: .warning, file: file, line: s.line,
                path: "section (\(kind.title))",
                message: "\(k) of the \(n) entries of the \(kind.title) section could not be read "
                    + "(no entry template the reader knows); \(k == 1 ? "it was" : "they were") not used."))
        }
    }

    /// An entry of a Problems or Medications section that could not be read leaves a placeholder
    /// statement, never evidence: facts decided by absence ("no visceral metastasis", "never given
    /// docetaxel") must stay open, since the entry may be exactly that.
    mutating func unreadEntry(in kind: SectionKind, line: Int?) {
        let source = SourceRef(file: file, format: .cda, line: line)
        switch kind {
        case .problems:
            statements.append(.condition(Condition(code: Concept(), usability: .excluded(.unreadable), source: source)))
        case .medications:
            statements.append(.medication(MedicationUse(kind: .cdaActivity, medication: Concept(), actuality: .actual,
                                                        usability: .excluded(.unreadable), source: source)))
        default:
            break
        }
    }
}
