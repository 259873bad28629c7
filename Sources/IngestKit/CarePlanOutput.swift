import Guideline
import JSONKit

/// Pipe mode's standard output: CarePlans as NDJSON, or as one transaction Bundle, written as
/// they come in pieces of about a megabyte, so that no CarePlan is held once written.
struct CarePlanOutput {
    /// How one CarePlan stands in the output, for the threads that make the pieces.
    struct Framing: Sendable {
        let shape: Pipeline.OutputShape
        let style: JSONWriter.Style
        let transaction: TransactionBundle.Writer
        let builder: CarePlanBuilder

        /// The CarePlan of an evaluation as it stands in the output: a line, or a Bundle entry
        /// (nil when no recommendation fired, which ``Pipeline/carePlans(of:)`` never passes).
        func piece(_ evaluation: Evaluation) -> [UInt8]? {
            switch shape {
            case .ndjson:
                guard var line = builder.carePlan(evaluation, style: style) else { return nil }
                line.append(0x0A)
                return line
            case .transaction: return builder.transactionEntry(evaluation, writer: transaction)
            }
        }
    }

    let framing: Framing
    private var shape: Pipeline.OutputShape { framing.shape }
    private var transaction: TransactionBundle.Writer { framing.transaction }
    private let fd: Int32
    private var pending: [UInt8] = []
    /// Pieces written so far.
    private(set) var count = 0

    init(fd: Int32, shape: Pipeline.OutputShape, style: JSONWriter.Style, builder: CarePlanBuilder) {
        self.fd = fd
        framing = Framing(shape: shape, style: style, transaction: TransactionBundle.Writer(style: style), builder: builder)
        if shape == .transaction { pending = framing.transaction.head }
    }

    /// Writes one piece of `piece(_:)`, after the ones before it.
    mutating func append(_ piece: [UInt8]) throws(IngestError) {
        if shape == .transaction { pending += transaction.separator(count) }
        pending += piece
        count += 1
        if pending.count >= 1 << 20 { try flush() }
    }

    /// Ends the output (a Bundle's closing brackets) and writes what is left.
    mutating func finish() throws(IngestError) {
        if shape == .transaction { pending += transaction.tail(count: count) + [0x0A] }
        try flush()
    }

    private mutating func flush() throws(IngestError) {
        guard !pending.isEmpty else { return }
        try FileIO.write(fd: fd, pending)
        pending.removeAll(keepingCapacity: true)
    }
}
