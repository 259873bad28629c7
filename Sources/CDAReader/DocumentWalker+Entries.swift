internal import CLibXML2
import ClinicalModel

// Entries: each act element (act, observation, substanceAdministration, procedure, organizer,
// encounter, supply) in a recognized section opens an ``EntryFrame``; its direct children
// (templateId, id, code, statusCode, effectiveTime, value …) fill it. Which template it is is
// known only once its templateIds have passed, so the frame collects everything a statement
// might need and the decision waits until it closes (DocumentWalker+Statements).

extension DocumentWalker {
    /// An element below a recognized section's own children.
    mutating func startInEntry(_ name: Name, _ node: UnsafeMutablePointer<xmlNode>, _ depth: Int, _ kind: SectionKind) {
        if name.isAct {
            openFrame(name, node, depth, kind)
            return
        }
        let f = frames.count - 1
        guard f >= 0 else { return }
        // Fields are read through the index: copying a frame out would retain all it holds.
        let rel = depth - frames[f].depth
        if rel == 1 {
            child(name, node, depth, frame: f)
        } else if rel == 2 && name == .reference && path[depth - 1] == .text {
            if frames[f].textReference == nil {
                frames[f].textReference = string(attributes(node).value)
            }
        } else if rel == 4 && frames[f].name == .substanceAdministration && path[depth - 1] == .manufacturedMaterial
            && path[depth - 2] == .manufacturedProduct && path[depth - 3] == .consumable
        {
            if name == .code && frames[f].material == nil {
                beginCapture(.material, node, depth)
            } else if name == .name && frames[f].materialName == nil {
                capture = CodeCapture(depth: depth, target: .materialName, textOnly: true)
                scratch.removeAll(keepingCapacity: true)
            }
        }
    }

    mutating func openFrame(_ name: Name, _ node: UnsafeMutablePointer<xmlNode>, _ depth: Int, _ kind: SectionKind) {
        let a = attributes(node)
        frames.append(EntryFrame(name: name, depth: depth, line: line(node), mood: tables.mood(a.moodCode),
                                 negated: Self.isTrue(a.negationInd)))
    }

    /// A direct child of the innermost open entry.
    mutating func child(_ name: Name, _ node: UnsafeMutablePointer<xmlNode>, _ depth: Int, frame f: Int) {
        switch name {
        case .templateId:
            if let root = attributes(node).root { frames[f].templates.formUnion(tables.entryTemplates(root)) }
        case .id:
            guard !frames[f].sawID else { return }
            let a = attributes(node)
            guard a.nullFlavor == nil, let root = string(a.root) else { return }
            frames[f].sawID = true
            frames[f].reference = string(a.ext).map { root + "^" + $0 } ?? root
        case .code:
            if frames[f].code == nil { beginCapture(.code, node, depth) }
        case .statusCode:
            if let code = string(attributes(node).code) { frames[f].status = code.lowercased() }
        case .effectiveTime:
            guard !frames[f].sawEffective else { return }
            let a = attributes(node)
            if let type = a.xsiType, !(bytesEqual(type, "IVL_TS") || bytesEqual(type, "TS")) { return }
            frames[f].sawEffective = true
            var t = TimeCapture(depth: depth)
            if a.nullFlavor == nil { t.value = time(a.value, "effectiveTime", line: frames[f].line) }
            timeCapture = t
        case .value:
            guard !frames[f].sawValue else { return }
            frames[f].sawValue = true
            value(node, depth, f)
        case .interpretationCode:
            beginCapture(.interpretation, node, depth)
        case .targetSiteCode:
            beginCapture(.site, node, depth)
        default:
            break
        }
    }

    /// The end of the innermost act element: it becomes a statement, or not, in its section.
    mutating func closeFrame(_ depth: Int) {
        guard let f = frames.indices.last, frames[f].depth == depth else { return }
        let top = frames.removeLast()
        guard let kind = sections.last?.kind else { return }
        // An entry is read when it yields a statement; only entries the reader leaves out on
        // purpose (an Instruction, a Planned Coverage, a Goal) count as read without one. A
        // Problem Concern Act or a Result Organizer around nothing readable is not read.
        if !top.templates.isDisjoint(with: [.instruction, .plannedCoverage]) || top.mood == .other {
            sections[sections.count - 1].openEntry?.recognized = true
        }
        close(top, in: kind)
    }
}
