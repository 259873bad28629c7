import ClinicalModel
import JSONKit

/// Walks one JSON document (or one NDJSON line): a Bundle entry by entry, nested Bundles
/// recursively, decoding only the resource types the mapping reads.
struct BundleWalker {
    let reader: FHIRReader
    let buffer: UnsafeBufferPointer<UInt8>
    let file: String
    let format: SourceRef.Format
    /// NDJSON line number, when walking one line.
    let line: Int?
    var extract: SourceExtract
    /// The resource being read, reused from one resource to the next.
    var tape = JSONTape()
    let systems = SystemResolutions()

    init(reader: FHIRReader, buffer: UnsafeBufferPointer<UInt8>, file: String, format: SourceRef.Format, line: Int?,
         into extract: SourceExtract) {
        self.reader = reader
        self.buffer = buffer
        self.file = file
        self.format = format
        self.line = line
        self.extract = extract
    }

    mutating func walkTopLevel(_ cursor: inout JSONCursor) throws(JSONSyntaxError) {
        guard let b = cursor.peek() else { throw JSONSyntaxError(.unexpectedEnd, at: cursor.offset) }
        guard b == UInt8(ascii: "{") else {
            throw JSONSyntaxError(.unexpectedByte(b, expected: "a FHIR resource (a JSON object)"), at: cursor.offset)
        }
        try walkResource(&cursor, fullUrl: nil, path: "$")
    }

    /// At a resource's `{`: a Bundle is walked, a read type decoded, anything else skipped.
    mutating func walkResource(_ cursor: inout JSONCursor, fullUrl: String?, path: @autoclosure () -> String)
        throws(JSONSyntaxError)
    {
        let start = cursor.offset
        guard let type = try cursor.peekStringMember("resourceType") else {
            try cursor.skipValue()
            extract.counts.skippedNonResources["JSON object without resourceType", default: 0] += 1
            warn(at: start, path: path(), kind: "not-a-resource",
                 "a JSON object without resourceType is not a FHIR resource; it was skipped.")
            return
        }
        // A type R4 does not define is counted under one name: the input's own word stays out of
        // reports and logs.
        let counted = FHIRNames.resourceTypes.contains(type) ? type : Self.unknownType
        extract.counts.resourcesByType[counted, default: 0] += 1
        if type == "Bundle" {
            try walkBundle(&cursor, path: path())
        } else if ResourceNormalizer.readTypes.contains(type) {
            cursor.firstDuplicateKey = nil
            try cursor.parse(into: &tape)
            if let duplicate = cursor.firstDuplicateKey {
                rejectAmbiguous(start: start, end: cursor.offset, duplicate: duplicate,
                                value: tape.withRoot(in: buffer) { $0.tree }, fullUrl: fullUrl, path: path())
                return
            }
            let context = ResourceContext(file: file, format: format, fullUrl: fullUrl, path: path(), line: line,
                                          offset: start)
            var normalizer = ResourceNormalizer(codeSystems: reader.codeSystems, systems: systems, statuses: reader.statuses,
                                                context: context)
            let result = tape.withRoot(in: buffer) { resource in normalizer.normalize(type: type, resource) }
            if !normalizer.elements.warnings.isEmpty {
                let resourceLine = line ?? JSONLocation.locate(offset: start, in: buffer).line
                for var w in normalizer.elements.warnings {
                    w.line = resourceLine
                    if w.kind == "invalid-id" { extract.counts.invalidIDs += 1 }
                    extract.diagnostics.append(w)
                }
            }
            switch result {
            case .patient(let p): extract.patients.append(p)
            case .statement(let link, let s): extract.statements.append((link, s))
            case .medication(let m): extract.medications.append(m)
            case .rejected(let reason): extract.counts.rejectedByReason[reason, default: 0] += 1
            case .rejectedNaming(let key, let reason):
                extract.counts.rejectedByReason[reason, default: 0] += 1
                let resourceLine = line ?? JSONLocation.locate(offset: start, in: buffer).line
                extract.rejectedLinks.append(RejectedLink(link: .key(key), kind: "invalid-id", place: "\(file):\(resourceLine)"))
            }
        } else {
            if let duplicate = try skipResource(&cursor) {
                var probe = JSONCursor(buffer, offset: start, maxDepth: cursor.maxDepth, maxStringBytes: cursor.maxStringBytes)
                let value = try? probe.parseValue()
                rejectAmbiguous(start: start, end: cursor.offset, duplicate: duplicate, value: value, fullUrl: fullUrl,
                                path: path())
                return
            }
            extract.counts.skippedByType[counted, default: 0] += 1
        }
    }

    /// How a resourceType R4 does not define is counted.
    static let unknownType = "(not an R4 resource type)"

    /// Skips a resource of a type not read, member by member, without decoding: returns the
    /// offset of a second `resourceType` when there is one (`"resourceType":"Claim",
    /// "resourceType":"Patient"` is a Patient to a reader that keeps the last).
    mutating func skipResource(_ cursor: inout JSONCursor) throws(JSONSyntaxError) -> Int? {
        try cursor.enterObject()
        var first = true
        var seenType = false
        var duplicate: Int? = nil
        while true {
            guard let key = try cursor.nextKey(first: first) else { break }
            let keyOffset = key.range.lowerBound - 1
            first = false
            if key.equals("resourceType", in: buffer) {
                if seenType, duplicate == nil { duplicate = keyOffset }
                seenType = true
            }
            try cursor.skipValue()
        }
        return duplicate
    }

    /// A resource with a repeated member name: it cannot be read one way, so it is rejected with
    /// a located error, and the patient it names (or is) is incomplete tonight (DESIGN
    /// "Incomplete patients").
    mutating func rejectAmbiguous(start: Int, end: Int, duplicate: Int, value: JSONValue?, fullUrl: String?,
                                  path: String) {
        extract.counts.rejectedByReason["a member name appears twice", default: 0] += 1
        let location = JSONLocation.locate(offset: duplicate, in: buffer, lineOffset: (line ?? 1) - 1,
                                           isQuotable: FHIRNames.isElement)
        extract.diagnostics.append(Diagnostic(
            kind: "duplicate-key", severity: .error, file: file, line: location.line, column: location.column,
            path: location.path,
            message: "a member name appears twice in one resource (readers disagree on which counts); the resource was rejected."))
        let place = "\(file):\(location.line)"
        var links = FHIRReader.patientReferences(in: UnsafeBufferPointer(rebasing: buffer[start..<end]))
        if case .object(let o)? = value, o.members.contains(where: { $0.key == "resourceType" && $0.value.stringValue == "Patient" }) {
            let ids = o.members.filter { $0.key == "id" }.compactMap(\.value.stringValue)
            for key in ReferenceKeys.keys(type: "Patient", id: ids.first, fullUrl: fullUrl) + ids.dropFirst().map({ "Patient/" + $0 })
            where !links.contains(key) {
                links.append(key)
            }
        }
        extract.rejectedLinks += links.map { RejectedLink(link: .key($0), kind: "duplicate-key", place: place) }
    }

    mutating func walkBundle(_ cursor: inout JSONCursor, path: String) throws(JSONSyntaxError) {
        try cursor.enterObject()
        var first = true
        var seenType = false
        var seenEntry = false
        while true {
            guard let key = try cursor.nextKey(first: first) else { break }
            let keyOffset = key.range.lowerBound - 1
            first = false
            // A Bundle read two ways is not read: the whole document (or NDJSON line) is rejected.
            if key.equals("resourceType", in: buffer) {
                if seenType { throw JSONSyntaxError(.duplicateKey, at: keyOffset) }
                seenType = true
            }
            if key.equals("entry", in: buffer) {
                if seenEntry { throw JSONSyntaxError(.duplicateKey, at: keyOffset) }
                seenEntry = true
                guard cursor.peek() == UInt8(ascii: "[") else {
                    try cursor.skipValue()
                    continue
                }
                try cursor.enterArray()
                var index = 0
                while try cursor.nextElement(first: index == 0) {
                    try walkEntry(&cursor, path: path == "$" ? "$.entry[\(index)]" : "\(path).entry[\(index)]")
                    index += 1
                }
            } else {
                try cursor.skipValue()
            }
        }
    }

    /// One `Bundle.entry`: its fullUrl and resource; request/response-only entries are counted.
    mutating func walkEntry(_ cursor: inout JSONCursor, path: String) throws(JSONSyntaxError) {
        guard cursor.peek() == UInt8(ascii: "{") else {
            try cursor.skipValue()
            return
        }
        let fullUrl = try cursor.peekStringMember("fullUrl")
        try cursor.enterObject()
        var first = true
        var sawResource = false
        var sawFullUrl = false
        while true {
            guard let key = try cursor.nextKey(first: first) else { break }
            let keyOffset = key.range.lowerBound - 1
            first = false
            if key.equals("fullUrl", in: buffer) {
                if sawFullUrl { throw JSONSyntaxError(.duplicateKey, at: keyOffset) }
                sawFullUrl = true
            }
            if key.equals("resource", in: buffer), cursor.peek() == UInt8(ascii: "{") {
                if sawResource { throw JSONSyntaxError(.duplicateKey, at: keyOffset) }
                sawResource = true
                try walkResource(&cursor, fullUrl: fullUrl, path: path + ".resource")
            } else {
                try cursor.skipValue()
            }
        }
        if !sawResource { extract.counts.entriesWithoutResource += 1 }
    }

    mutating func warn(at offset: Int, path: String, kind: String, _ message: String) {
        let location = JSONLocation.locate(offset: offset, in: buffer, lineOffset: (line ?? 1) - 1,
                                           isQuotable: FHIRNames.isElement)
        extract.diagnostics.append(Diagnostic(kind: kind, severity: .warning, file: file, line: location.line,
                                              column: location.column, path: path, message: message))
    }
}
