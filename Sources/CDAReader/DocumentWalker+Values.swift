internal import CLibXML2
import ClinicalModel

// What an entry's children carry: a code (with translations and originalText), a typed value
// (xsi:type PQ, CD, ST, INT, BL …), an effectiveTime (TS or IVL_TS). Each spans several nodes, so
// the walker opens a capture, lets it take every node inside, and stores the result in the
// innermost frame when the element ends. Kept apart because a capture takes precedence over
// everything else the loop routes.

extension DocumentWalker {
    // MARK: Codes and text

    /// Inside a code, value or text being captured: translations and originalText (with its
    /// reference into the narrative) add to it; nothing else is read.
    mutating func startInCapture(_ name: Name, _ node: UnsafeMutablePointer<xmlNode>, _ depth: Int) {
        guard let c = capture, !c.textOnly else { return }
        if depth == c.depth + 1 {
            if name == .translation {
                if let coding = coding(attributes(node)) { capture!.codings.append(coding) }
            } else if name == .originalText {
                capture!.inOriginalText = true
                scratch.removeAll(keepingCapacity: true)
            }
        } else if depth == c.depth + 2 && c.inOriginalText && name == .reference {
            capture!.reference = string(attributes(node).value)
        }
    }

    mutating func endInCapture(_ c: CodeCapture, _ name: Name, _ depth: Int) {
        if depth == c.depth {
            finishCapture(c)
        } else if depth == c.depth + 1 && name == .originalText {
            capture!.inOriginalText = false
        }
    }

    mutating func beginCapture(_ target: CodeCapture.Target, _ node: UnsafeMutablePointer<xmlNode>, _ depth: Int,
                               attributes a: Attributes? = nil) {
        let a = a ?? attributes(node)
        var c = CodeCapture(depth: depth, target: target, textOnly: false)
        if let coding = coding(a) { c.codings.append(coding) }
        capture = c
        scratch.removeAll(keepingCapacity: true)
    }

    mutating func finishCapture(_ c: CodeCapture) {
        capture = nil
        let text = scratch.withUnsafeBufferPointer { collapsedText($0) } ?? c.reference.flatMap { narrative.resolve($0) }
        let f = frames.count - 1
        guard f >= 0 else { return }
        let concept = Concept(codings: c.codings, text: text)
        switch c.target {
        case .code: frames[f].code = concept
        case .value: frames[f].value = .concept(concept)
        case .interpretation: if !concept.isEmpty { frames[f].interpretation.append(concept) }
        case .site: if !concept.isEmpty { frames[f].sites.append(concept) }
        case .material: frames[f].material = concept
        case .valueText: frames[f].value = text.map { .text($0) }
        case .materialName: frames[f].materialName = text
        }
    }

    // MARK: Values

    /// An observation `value`, by its xsi:type.
    mutating func value(_ node: UnsafeMutablePointer<xmlNode>, _ depth: Int, _ f: Int) {
        let a = attributes(node)
        guard let type = a.xsiType else {
            if a.code != nil { beginCapture(.value, node, depth) }
            return
        }
        if bytesEqual(type, "PQ") || bytesEqual(type, "REAL") {
            guard a.nullFlavor == nil, let text = string(a.value)?.trimmingSpaces(), let number = Double(text) else {
                return
            }
            let q = Quantity(value: number, text: text, unit: string(a.unit))
            if !q.isMeasurable {
                warnings.append(Diagnostic(kind: "invalid-element", severity: .warning, file: file, line: line(node), path: "value",
                                           message: "an observation value is not a finite, non-negative number; the result is not used as a measurement."))
            }
            frames[f].value = .quantity(q)
        } else if bytesEqual(type, "CD") || bytesEqual(type, "CE") || bytesEqual(type, "CV") || bytesEqual(type, "CO")
            || bytesEqual(type, "CS")
        {
            beginCapture(.value, node, depth, attributes: a)
        } else if bytesEqual(type, "ST") || bytesEqual(type, "ED") {
            capture = CodeCapture(depth: depth, target: .valueText, textOnly: true)
            scratch.removeAll(keepingCapacity: true)
        } else if bytesEqual(type, "INT") {
            if let text = string(a.value)?.trimmingSpaces(), let n = Int(text) { frames[f].value = .integer(n) }
        } else if bytesEqual(type, "BL") {
            if let v = a.value { frames[f].value = .boolean(bytesEqual(v, "true")) }
        } else {
            frames[f].value = .other(String(cString: type))
        }
    }

    // MARK: Times

    /// Inside an effectiveTime: its low, high and center.
    mutating func startInTime(_ name: Name, _ node: UnsafeMutablePointer<xmlNode>, _ depth: Int) {
        guard let t = timeCapture, depth == t.depth + 1 && (name == .low || name == .high || name == .center) else { return }
        let a = attributes(node)
        let l = frames.last?.line
        let value = a.nullFlavor == nil ? time(a.value, "effectiveTime/\(name)", line: l) : nil
        switch name {
        case .low: timeCapture!.low = value
        case .high: timeCapture!.high = value
        default: timeCapture!.value = timeCapture!.value ?? value
        }
    }

    mutating func endInTime(_ t: TimeCapture, _ depth: Int) {
        guard depth == t.depth else { return }
        timeCapture = nil
        let f = frames.count - 1
        frames[f].effectiveValue = t.value
        frames[f].effectiveLow = t.low
        frames[f].effectiveHigh = t.high
    }
}
