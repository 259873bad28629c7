internal import CLibXML2
import ClinicalModel

// Attributes are read as pointers into libxml2's current node, valid until the next read: the
// walker compares them as bytes and builds a String only for what it keeps. Kept apart from the
// routing because every concern (header, sections, entries, values) reads attributes the same way.

extension DocumentWalker {
    struct Attributes {
        var root: UnsafePointer<UInt8>?
        var ext: UnsafePointer<UInt8>?
        var code: UnsafePointer<UInt8>?
        var codeSystem: UnsafePointer<UInt8>?
        var displayName: UnsafePointer<UInt8>?
        var nullFlavor: UnsafePointer<UInt8>?
        var value: UnsafePointer<UInt8>?
        var unit: UnsafePointer<UInt8>?
        var moodCode: UnsafePointer<UInt8>?
        var negationInd: UnsafePointer<UInt8>?
        var xsiType: UnsafePointer<UInt8>?
        var id: UnsafePointer<UInt8>?
    }

    /// The attributes the reader uses, as pointers into the current node (valid until the next read).
    func attributes(_ node: UnsafeMutablePointer<xmlNode>) -> Attributes {
        var a = Attributes()
        var next = node.pointee.properties
        while let attr = next {
            next = attr.pointee.next
            let name = names.lookup(attr.pointee.name)
            guard name != .other else { continue }
            let value: UnsafePointer<UInt8>? = attr.pointee.children.flatMap { child in
                child.pointee.content.map { UnsafePointer($0) }
            }
            switch name {
            case .root: a.root = value
            case .ext: a.ext = value
            case .code: a.code = value
            case .codeSystem: a.codeSystem = value
            case .displayName: a.displayName = value
            case .nullFlavor: a.nullFlavor = value
            case .value: a.value = value
            case .unit: a.unit = value
            case .moodCode: a.moodCode = value
            case .negationInd: a.negationInd = value
            case .ID: a.id = value
            case .type:
                if let ns = attr.pointee.ns, let href = ns.pointee.href,
                    bytesEqual(href, "http://www.w3.org/2001/XMLSchema-instance")
                {
                    a.xsiType = value.map(Self.dropPrefix)
                }
            default: break
            }
        }
        return a
    }

    /// `xsi:type="v3:PQ"` → `PQ`.
    static func dropPrefix(_ p: UnsafePointer<UInt8>) -> UnsafePointer<UInt8> {
        var i = 0
        while p[i] != 0 {
            if p[i] == UInt8(ascii: ":") { return p + i + 1 }
            i += 1
        }
        return p
    }

    /// An XML Schema boolean that is true (`true` or `1`).
    static func isTrue(_ p: UnsafePointer<UInt8>?) -> Bool {
        guard let p else { return false }
        return bytesEqual(p, "true") || bytesEqual(p, "1")
    }

    /// `code`/`codeSystem`/`displayName` as a coding, its system and code folded by the code-system table.
    func coding(_ a: Attributes) -> Coding? {
        guard let code = string(a.code) else { return nil }
        let c = codeSystems.coding(system: string(a.codeSystem), code: code, display: string(a.displayName))
        return c.code.isEmpty ? nil : c
    }

    /// An HL7 timestamp; one that cannot be read is a located warning, and nil.
    mutating func time(_ p: UnsafePointer<UInt8>?, _ element: String, line: Int?) -> TimeRange? {
        guard let text = string(p)?.trimmingSpaces(), !text.isEmpty else { return nil }
        if let t = TimeRange.parseHL7(text) { return t }
        warnings.append(Diagnostic(kind: "invalid-element", severity: .warning, file: file, line: line, path: element,
                                   message: "\(element) is not an HL7 timestamp (YYYY[MM[DD[HH[MM[SS]]]]][±ZZZZ]); it was ignored."))
        return nil
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\n" || f == "\r" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\n" || l == "\r" { s.removeLast() }
        return String(s)
    }
}
