public import ClinicalModel
import JSONKit
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads FHIR R4 JSON: a Bundle of any type (nested Bundles included), a single resource,
/// or NDJSON (one resource or one Bundle per line, the Bulk Data export shape).
///
/// The reader streams through Bundles: each entry's `resourceType` is looked up first and
/// resources of types the mapping does not read are skipped without being decoded. A JSON
/// syntax error rejects the document (or, in NDJSON, just that line) with the line, column
/// and JSON path of the problem; no patient data is ever quoted.
public struct FHIRReader: Sendable {
    public let codeSystems: CodeSystemTable
    /// What statuses mean (`Mappings/statuses.json`), shared with the C-CDA reader.
    public let statuses: StatusSemantics
    /// Nesting limit for hostile input.
    public var maxDepth: Int = 128
    /// Document (or NDJSON line) and string sizes (``ReadLimits``).
    public var limits: ReadLimits

    public init(codeSystems: CodeSystemTable, statuses: StatusSemantics, limits: ReadLimits = .defaults) {
        self.codeSystems = codeSystems
        self.statuses = statuses
        self.limits = limits
    }

    /// A record (a document or an NDJSON line) over the size limit, rejected unread.
    func oversized(_ count: Int) -> Bool { count > limits.maxJSONDocumentBytes }

    public static func tooLarge(_ file: String, line: Int, count: Int, limit: Int) -> Diagnostic {
        Diagnostic(kind: "json-limit", severity: .error, file: file, line: line,
                   message: "the record is \(count) bytes, more than the limit of \(limit); it was not read.")
    }

    /// Reads one input. `file` names it in sources and messages (`-` for stdin).
    public func read(_ bytes: [UInt8], file: String) -> SourceExtract {
        bytes.withUnsafeBufferPointer { read($0, file: file) }
    }

    public func read(_ buffer: UnsafeBufferPointer<UInt8>, file: String) -> SourceExtract {
        var extract = SourceExtract(file: file)
        let start = JSONValue.bomLength(buffer)
        if Self.isNDJSON(buffer, from: start, maxDepth: maxDepth) {
            readNDJSON(buffer, from: start, into: &extract)
        } else if oversized(buffer.count - start) {
            extract.counts.records = 1
            extract.counts.rejectedRecords["too large", default: 0] += 1
            extract.diagnostics.append(Self.tooLarge(file, line: 1, count: buffer.count, limit: limits.maxJSONDocumentBytes))
        } else {
            extract.counts.records += 1
            var walker = BundleWalker(reader: self, buffer: buffer, file: file, format: .fhirJSON, line: nil, into: extract)
            do throws(JSONSyntaxError) {
                var cursor = JSONCursor(buffer, offset: start, maxDepth: maxDepth, maxStringBytes: limits.maxJSONStringBytes)
                guard cursor.peek() != nil else { throw JSONSyntaxError(.emptyInput, at: cursor.offset) }
                try walker.walkTopLevel(&cursor)
                try cursor.expectEnd()
                extract = walker.extract
            } catch {
                // A malformed document is rejected whole: what it held cannot be trusted.
                extract = SourceExtract(file: file)
                extract.counts.records = 1
                extract.counts.rejectedRecords["invalid JSON", default: 0] += 1
                let d = Self.syntaxDiagnostic(error, buffer: buffer, file: file, lineOffset: 0)
                extract.diagnostics.append(d)
                extract.rejectedLinks = Self.patientReferences(in: buffer).map {
                    RejectedLink(link: .key($0), kind: d.kind, place: "\(file):\(d.line ?? 1)")
                }
            }
        }
        return extract
    }

    /// NDJSON when the first non-blank line is, on its own, one complete JSON value and more follows.
    /// A pretty-printed document's first line (`{`) never is.
    static func isNDJSON(_ buffer: UnsafeBufferPointer<UInt8>, from start: Int, maxDepth: Int) -> Bool {
        var i = start
        while i < buffer.count, buffer[i] == 0x20 || buffer[i] == 0x0A || buffer[i] == 0x0D || buffer[i] == 0x09 { i += 1 }
        let end = nextNewline(buffer, from: i)
        guard end < buffer.count else { return false }  // a single line: an ordinary document
        let line = UnsafeBufferPointer(rebasing: buffer[i..<end])
        var cursor = JSONCursor(line, maxDepth: maxDepth)
        guard cursor.peek() == UInt8(ascii: "{") else { return false }
        do {
            try cursor.skipValue()
            try cursor.expectEnd()
        } catch {
            return false
        }
        // Something other than whitespace must follow.
        var j = end
        while j < buffer.count, buffer[j] == 0x20 || buffer[j] == 0x0A || buffer[j] == 0x0D || buffer[j] == 0x09 { j += 1 }
        return j < buffer.count
    }

    /// Reads a run of complete NDJSON lines, numbered from `firstLine`: how a batch reads a file too
    /// large to hold, one chunk of lines at a time.
    public func readLines(_ buffer: UnsafeBufferPointer<UInt8>, file: String, firstLine: Int) -> SourceExtract {
        var extract = SourceExtract(file: file)
        readNDJSON(buffer, from: firstLine == 1 ? JSONValue.bomLength(buffer) : 0, into: &extract, firstLine: firstLine)
        return extract
    }

    /// True when the buffer starts like NDJSON (see `isNDJSON`).
    public func looksLikeNDJSON(_ buffer: UnsafeBufferPointer<UInt8>) -> Bool {
        Self.isNDJSON(buffer, from: JSONValue.bomLength(buffer), maxDepth: maxDepth)
    }

    func readNDJSON(_ buffer: UnsafeBufferPointer<UInt8>, from start: Int, into extract: inout SourceExtract, firstLine: Int = 1) {
        var lineStart = start
        var lineNumber = firstLine - 1
        while lineStart < buffer.count {
            lineNumber += 1
            let lineEnd = Self.nextNewline(buffer, from: lineStart)
            let line = UnsafeBufferPointer(rebasing: buffer[lineStart..<lineEnd])
            defer { lineStart = lineEnd + 1 }
            var cursor = JSONCursor(line, maxDepth: maxDepth, maxStringBytes: limits.maxJSONStringBytes)
            guard cursor.peek() != nil else { continue }  // blank lines separate nothing
            extract.counts.records += 1
            if oversized(line.count) {
                extract.counts.rejectedRecords["too large", default: 0] += 1
                extract.diagnostics.append(Self.tooLarge(extract.file, line: lineNumber, count: line.count, limit: limits.maxJSONDocumentBytes))
                continue
            }
            var walker = BundleWalker(reader: self, buffer: line, file: extract.file, format: .ndjson, line: lineNumber,
                                      into: SourceExtract(file: extract.file))
            do throws(JSONSyntaxError) {
                try walker.walkTopLevel(&cursor)
                try cursor.expectEnd()
                Self.merge(walker.extract, into: &extract)
            } catch {
                extract.counts.rejectedRecords["invalid JSON", default: 0] += 1
                let d = Self.syntaxDiagnostic(error, buffer: line, file: extract.file, lineOffset: lineNumber - 1)
                extract.diagnostics.append(d)
                extract.rejectedLinks += Self.patientReferences(in: line).map {
                    RejectedLink(link: .key($0), kind: d.kind, place: "\(extract.file):\(lineNumber)")
                }
            }
        }
    }

    /// Index of the next `\n` at or after `start`, or the end of the buffer (memchr: vectorized).
    static func nextNewline(_ buffer: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        guard start < buffer.count, let base = buffer.baseAddress else { return buffer.count }
        guard let hit = memchr(base + start, 0x0A, buffer.count - start) else { return buffer.count }
        return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
    }

    /// The patient references a rejected record names (`"reference": "Patient/…"`, or a
    /// `urn:uuid:` that may be a patient's fullUrl), found by a byte scan that needs no valid
    /// JSON: the patient it names is incomplete tonight (DESIGN "Incomplete patients"). At most
    /// `limit`, in order of appearance, without repeats.
    static func patientReferences(in b: UnsafeBufferPointer<UInt8>, limit: Int = 64) -> [String] {
        let needle = Array("\"reference\"".utf8)
        var found: [String] = []
        var i = 0
        while i + needle.count < b.count, found.count < limit {
            guard b[i] == needle[0], b[i..<(i + needle.count)].elementsEqual(needle) else {
                i += 1
                continue
            }
            var j = i + needle.count
            func skipBlanks() { while j < b.count, b[j] == 0x20 || b[j] == 0x09 || b[j] == 0x0A || b[j] == 0x0D { j += 1 } }
            skipBlanks()
            guard j < b.count, b[j] == UInt8(ascii: ":") else { i += 1; continue }
            j += 1
            skipBlanks()
            guard j < b.count, b[j] == UInt8(ascii: "\"") else { i += 1; continue }
            let start = j + 1
            var end = start
            while end < b.count, end - start < 512, b[end] != UInt8(ascii: "\""), b[end] != UInt8(ascii: "\\") { end += 1 }
            guard end < b.count, b[end] == UInt8(ascii: "\""), end > start else { i = j; continue }
            let value = String(decoding: b[start..<end], as: UTF8.self)
            let r = ReferenceKeys.withoutHistory(value)
            if (r.hasPrefix("Patient/") || ReferenceKeys.find("/Patient/", in: r) != nil || r.hasPrefix("urn:uuid:")),
                !found.contains(r)
            {
                found.append(r)
            }
            i = end + 1
        }
        return found
    }

    static func merge(_ part: SourceExtract, into extract: inout SourceExtract) {
        extract.patients += part.patients
        extract.statements += part.statements
        extract.medications += part.medications
        extract.diagnostics += part.diagnostics
        extract.rejectedLinks += part.rejectedLinks
        var counts = part.counts
        counts.records = 0
        extract.counts.add(counts)
    }

    static func syntaxDiagnostic(_ error: JSONSyntaxError, buffer: UnsafeBufferPointer<UInt8>, file: String,
                                 lineOffset: Int) -> Diagnostic {
        let location = JSONLocation.locate(offset: error.offset, in: buffer, lineOffset: lineOffset,
                                           isQuotable: FHIRNames.isElement)
        return Diagnostic(kind: "invalid-json", severity: .error, file: file, line: location.line,
                          column: location.column, path: location.path,
                          message: "invalid JSON: \(error.description)")
    }
}
