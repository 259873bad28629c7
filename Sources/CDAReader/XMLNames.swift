internal import CLibXML2

/// The element and attribute names the reader looks at. Everything else is `.other`.
///
/// libxml2's reader interns every element and attribute name in the parser's dictionary, so a
/// name is recognized by comparing pointers with the interned copies made once per document
/// (``NameTable``): no String is built and no bytes are compared per node.
enum Name: UInt8, CaseIterable {
    case other = 0
    // Header
    case clinicalDocument, recordTarget, patientRole, patient, id, administrativeGenderCode, birthTime
    // Header, in the urn:hl7-org:sdtc extension namespace
    case deceasedInd, deceasedTime
    // Body and sections
    case section, templateId, code, text, entry
    // Entries
    case act, observation, substanceAdministration, procedure, organizer, encounter, supply
    case statusCode, effectiveTime, low, high, center, value, translation, originalText, reference
    case interpretationCode, targetSiteCode, consumable, manufacturedProduct, manufacturedMaterial, name
    // Inline narrative markup (no word break around it)
    case content, sub, sup, footnote, footnoteRef, linkHtml
    // Attributes (`code` and `value` above serve as attribute names too)
    case root, ext, codeSystem, displayName, nullFlavor, unit, moodCode, negationInd, type, ID

    var xmlName: String {
        switch self {
        case .other: ""
        case .clinicalDocument: "ClinicalDocument"
        case .ext: "extension"
        default: String(describing: self)
        }
    }

    /// Elements that are clinical statements (CDA act classes) and may open an entry frame.
    var isAct: Bool {
        switch self {
        case .act, .observation, .substanceAdministration, .procedure, .organizer, .encounter, .supply: true
        default: false
        }
    }

    /// Narrative elements that do not separate words.
    var isInlineMarkup: Bool {
        switch self {
        case .content, .sub, .sup, .footnote, .footnoteRef, .linkHtml: true
        default: false
        }
    }
}

/// Interned-pointer → ``Name`` lookup: a small open-addressing table keyed by the pointer bits.
struct NameTable {
    private var keys: [UInt]
    private var values: [Name]
    private let mask: Int

    init(reader: OpaquePointer) {
        let size = 256
        keys = Array(repeating: 0, count: size)
        values = Array(repeating: .other, count: size)
        mask = size - 1
        for name in Name.allCases where name != .other {
            var bytes = Array(name.xmlName.utf8)
            bytes.append(0)
            let interned = bytes.withUnsafeBufferPointer { xmlTextReaderConstString(reader, $0.baseAddress) }
            guard let interned else { continue }
            let bits = UInt(bitPattern: interned)
            var i = Self.slot(bits, mask)
            while keys[i] != 0 && keys[i] != bits { i = (i + 1) & mask }
            keys[i] = bits
            values[i] = name
        }
    }

    @inline(__always)
    static func slot(_ bits: UInt, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: ((bits &>> 3) &* 0x9E37_79B9_7F4A_7C15) &>> 40) & mask
    }

    @inline(__always)
    func lookup(_ pointer: UnsafePointer<xmlChar>?) -> Name {
        guard let pointer else { return .other }
        let bits = UInt(bitPattern: pointer)
        var i = Self.slot(bits, mask)
        while true {
            let k = keys[i]
            if k == bits { return values[i] }
            if k == 0 { return .other }
            i = (i + 1) & mask
        }
    }
}

// MARK: Byte helpers (NUL-terminated libxml2 strings)

/// True when the NUL-terminated `p` equals `s` exactly.
@inline(__always)
func bytesEqual(_ p: UnsafePointer<UInt8>, _ s: StaticString) -> Bool {
    let n = s.utf8CodeUnitCount
    let b = s.utf8Start
    for i in 0..<n where p[i] != b[i] { return false }  // a shorter p stops at its NUL
    return p[n] == 0
}

/// When `p` starts with `s`, the rest of `p`; else nil.
@inline(__always)
func bytesDropPrefix(_ p: UnsafePointer<UInt8>, _ s: StaticString) -> UnsafePointer<UInt8>? {
    let n = s.utf8CodeUnitCount
    let b = s.utf8Start
    for i in 0..<n where p[i] != b[i] { return nil }
    return p + n
}

@inline(__always)
func string(_ p: UnsafePointer<UInt8>?) -> String? {
    guard let p, p[0] != 0 else { return nil }
    return String(cString: p)
}

/// The text with whitespace runs collapsed to one space and trimmed; nil when nothing is left.
func collapsedText(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count)
    var pendingSpace = false
    for b in bytes {
        if b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 {
            pendingSpace = !out.isEmpty
        } else {
            if pendingSpace { out.append(0x20) }
            pendingSpace = false
            out.append(b)
        }
    }
    return out.isEmpty ? nil : String(decoding: out, as: UTF8.self)
}
