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
        extract.counts.resourcesByType[type, default: 0] += 1
        if type == "Bundle" {
            try walkBundle(&cursor, path: path())
        } else if ResourceNormalizer.readTypes.contains(type) {
            let value = try cursor.parseValue()
            guard case .object(let object) = value else { return }
            let context = ResourceContext(file: file, format: format, fullUrl: fullUrl, path: path(), line: line,
                                          offset: start)
            var normalizer = ResourceNormalizer(codeSystems: reader.codeSystems, context: context)
            let result = normalizer.normalize(type: type, object)
            if !normalizer.elements.warnings.isEmpty {
                let resourceLine = line ?? JSONLocation.locate(offset: start, in: buffer).line
                for var w in normalizer.elements.warnings {
                    w.line = resourceLine
                    extract.diagnostics.append(w)
                }
            }
            switch result {
            case .patient(let p): extract.patients.append(p)
            case .statement(let link, let s): extract.statements.append((link, s))
            case .medication(let m): extract.medications.append(m)
            case .rejected(let reason): extract.counts.rejectedByReason[reason, default: 0] += 1
            }
        } else {
            try cursor.skipValue()
            extract.counts.skippedByType[type, default: 0] += 1
        }
    }

    mutating func walkBundle(_ cursor: inout JSONCursor, path: String) throws(JSONSyntaxError) {
        try cursor.enterObject()
        var first = true
        while let key = try cursor.nextKey(first: first) {
            first = false
            if key.equals("entry", in: buffer) {
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
        while let key = try cursor.nextKey(first: first) {
            first = false
            if key.equals("resource", in: buffer), cursor.peek() == UInt8(ascii: "{") {
                sawResource = true
                try walkResource(&cursor, fullUrl: fullUrl, path: path + ".resource")
            } else {
                try cursor.skipValue()
            }
        }
        if !sawResource { extract.counts.entriesWithoutResource += 1 }
    }

    mutating func warn(at offset: Int, path: String, kind: String, _ message: String) {
        let location = JSONLocation.locate(offset: offset, in: buffer, lineOffset: (line ?? 1) - 1)
        extract.diagnostics.append(Diagnostic(kind: kind, severity: .warning, file: file, line: location.line,
                                              column: location.column, path: path, message: message))
    }
}
