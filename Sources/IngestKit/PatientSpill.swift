public import ClinicalModel

/// Where pipe mode moves what it read once there is more than it should hold in memory (the
/// batch's staging database, through the `Batch` module): extracts go in as they are read, and
/// come back one group of linked patients at a time, so that memory is bounded by the largest
/// patient rather than by the input. What pipe mode writes waits there too, to be written in
/// patient order once every group is evaluated.
public protocol PatientSpill: AnyObject, Sendable {
    /// Keeps one extract, after every one kept before it.
    func stage(_ extract: SourceExtract) throws(IngestError)

    /// Each group of rows that may be one patient (linked by a shared key or identifier, with no
    /// identity check: the assembler refines it), in the order of its first patient, still
    /// encoded, with every statement it has (the statement limit is the assembler's to apply,
    /// per patient, as when nothing is spilled).
    func forEachGroup(_ body: (SpilledGroup) throws(IngestError) -> Void) throws(IngestError)

    /// Keeps pieces of output, each for the patient with its record key.
    func keep(_ pieces: [(key: String, output: [UInt8])]) throws(IngestError)

    /// Every piece of output kept, by record key (the assembler's order), then in the order kept.
    func forEachOutput(_ body: ([UInt8]) throws(IngestError) -> Void) throws(IngestError)
}

/// When pipe mode spills (``PatientSpill``), and where to.
public struct SpillPolicy: Sendable {
    /// Input bytes read before what is held moves to the spill: below it, nothing touches disk.
    public var above: Int
    /// Opens an empty spill that groups patients by the identifiers these rules let link.
    public var open: @Sendable (IdentityRules) throws(IngestError) -> any PatientSpill

    /// 32 MiB of input: what is held by then (the records of about 25 MB of Synthea bundles)
    /// and what spilling costs at its peak keep pipe mode near 100 MB of memory at any input
    /// size; below it, nothing is slower for spilling.
    public static let defaultAbove = 32 << 20

    public init(above: Int = defaultAbove, open: @escaping @Sendable (IdentityRules) throws(IngestError) -> any PatientSpill) {
        self.above = above
        self.open = open
    }
}

/// One group of a spill's rows, read but not decoded: decoded on whichever thread evaluates it.
public struct SpilledGroup: Sendable {
    /// How many bytes of encoded rows a chunk of groups holds at most (but for its first group),
    /// in pipe mode's spill and in the batch: they are decoded, assembled and evaluated together.
    /// 4 MiB of compact statements (`StatementCodec`) decode to about what 8 MiB of the generic
    /// format did: the batch's peak memory at 100 MB of input 59 MB, not 74 MB at 8 MiB.
    public static let chunkBytes = 4 << 20

    /// The encoded rows' size: what holding the group costs until it is decoded.
    public let bytes: Int
    /// The rows in input order, as one extract.
    public let extract: @Sendable () throws(IngestError) -> SourceExtract

    public init(bytes: Int, extract: @escaping @Sendable () throws(IngestError) -> SourceExtract) {
        self.bytes = bytes
        self.extract = extract
    }
}
