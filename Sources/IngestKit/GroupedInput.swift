public import ClinicalModel

/// The input of `ingest --grouped`: record lines (``RecordLine``), the records of one group
/// together, groups separated by an empty line — what an engine that grouped records by their
/// link keys (`ingest keys`) pipes in, several groups per process.
///
/// A group is a unit of linking, not a patient: grouping by shared keys can over-join (two
/// strangers sharing a key whose birth dates conflict), so each group is linked again by the
/// full linker, which splits it where it would split any input.
public struct GroupedInput: Sendable {
    /// One group's records, in the order given, with the stream line of each (for messages).
    public struct Group: Sendable {
        public var records: [(line: Int, record: RecordLine)] = []
    }

    public private(set) var groups: [Group] = []
    /// Lines that are not record lines: located errors (the stream's name and line), never content.
    public private(set) var diagnostics: [Diagnostic] = []

    /// Splits `bytes` (named `name` in messages) into groups. Any number of empty lines (or
    /// lines of blanks) separates groups; none at the start or end is needed.
    public init(_ bytes: [UInt8], name: String) {
        var current = Group()
        var number = 0
        for raw in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
            number += 1
            guard raw.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else {
                if !current.records.isEmpty { groups.append(current) }
                current = Group()
                continue
            }
            do throws(RecordLine.FormatError) {
                current.records.append((number, try RecordLine.parse(raw)))
            } catch {
                diagnostics.append(Diagnostic(kind: "invalid-record-line", severity: .error, file: name, line: number,
                                              message: error.message + "; the line was not read."))
            }
        }
        if !current.records.isEmpty { groups.append(current) }
    }

    /// True when the input holds nothing but blanks (what `--allow-empty` accepts).
    public static func isBlank(_ bytes: [UInt8]) -> Bool {
        !bytes.contains { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }
    }
}
