public import ClinicalModel
import Dispatch
import Foundation
import GRDB
public import IngestKit

/// Pipe mode's spill (``PatientSpill``): the batch's staging database (its tables, grouping and
/// row order, without its ledger) in a temporary file (``StagingStore/init(temporaryWith:)``).
///
/// Extracts are encoded and inserted on a thread of their own while the caller parses the next
/// input piece; at most two wait, so memory stays bounded by a few pieces.
public final class TemporarySpill: PatientSpill, @unchecked Sendable {
    /// Spill once more than `above` bytes of input were read; `rowsPerSlice` rows of each kind
    /// are encoded and inserted at a time (the encoded rows of a whole piece, or of everything
    /// held before the spill, are never all in memory at once).
    public static func policy(above: Int = SpillPolicy.defaultAbove, rowsPerSlice: Int = 4096) -> SpillPolicy {
        SpillPolicy(above: above) { (identity: IdentityRules) throws(IngestError) -> any PatientSpill in
            do {
                return TemporarySpill(try StagingStore(temporaryWith: identity), rowsPerSlice: max(1, rowsPerSlice))
            } catch {
                throw spillError(error)
            }
        }
    }

    private let store: StagingStore
    private let writer = DispatchQueue(label: "ingest.spill.writer")
    private let slots = DispatchSemaphore(value: 0)
    /// What the writer thread and the caller share. Its own object, so that a pending write
    /// never owns the spill: the spill's last release (a run that throws while writes wait)
    /// must not happen on the writer queue, whose `sync` in `deinit` would then trap.
    private let shared = Shared()
    /// Staged extracts so far: each is an input of its own, in this order.
    private var staged = 0
    private let rowsPerSlice: Int

    private final class Shared: @unchecked Sendable {
        private let lock = NSLock()
        private var first: IngestError?
        var failure: IngestError? { lock.withLock { first } }
        func fail(_ error: IngestError) { lock.withLock { if first == nil { first = error } } }
    }

    init(_ store: StagingStore, rowsPerSlice: Int) {
        self.store = store
        self.rowsPerSlice = rowsPerSlice
        // Created at 0 and signalled up: libdispatch traps when a semaphore is freed below the
        // value it was created with.
        for _ in 0..<2 { slots.signal() }
    }

    deinit {
        // Writes still waiting finish before the database closes under them.
        writer.sync {}
        store.close()
    }

    /// What a failure of the temporary database says: where it lives, and what to do.
    static func spillError(_ error: any Error) -> IngestError {
        if let error = error as? IngestError { return error }
        return IngestError(.io, """
            the temporary database that holds what was read once it is more than --spill-above failed (\(error)); \
            it is in SQLITE_TMPDIR or TMPDIR (else /var/tmp or /tmp): point one of them at a folder with room, \
            or raise --spill-above to hold more in memory.
            """)
    }

    private func checkFailure() throws(IngestError) {
        if let failure = shared.failure { throw failure }
    }

    public func stage(_ extract: SourceExtract) throws(IngestError) {
        try checkFailure()
        slots.wait()
        staged += 1
        let position = staged
        writer.async { [store, shared, slots, rowsPerSlice] in
            defer { slots.signal() }
            guard shared.failure == nil else { return }
            do {
                try Self.insert(extract, position: position, rowsPerSlice: rowsPerSlice, into: store)
            } catch {
                shared.fail(Self.spillError(error))
            }
        }
    }

    /// One extract as an input of its own at `position`, in slices of `rowsPerSlice` rows.
    private static func insert(_ extract: SourceExtract, position: Int, rowsPerSlice: Int, into store: StagingStore) throws {
        let file = try store.db.write { db in
            try db.execute(sql: "INSERT INTO file (contentHash, position, complete, reusable) VALUES ('', ?, 1, 0)",
                           arguments: [position])
            return db.lastInsertedRowID
        }
        let longest = max(extract.patients.count, extract.statements.count, extract.medications.count, extract.rejectedLinks.count)
        var start = 0
        repeat {
            func slice<T>(_ a: [T]) -> [T] { start < a.count ? Array(a[start..<min(a.count, start + rowsPerSlice)]) : [] }
            var part = SourceExtract(file: extract.file)
            part.patients = slice(extract.patients)
            part.statements = slice(extract.statements)
            part.medications = slice(extract.medications)
            part.rejectedLinks = slice(extract.rejectedLinks)
            // Each kind keeps its place in the extract: rows are ordered by (position, ord).
            let rows = try StagedRows(part, identity: store.identity, ordBase: start)
            try store.db.write { db in try store.insert(rows, file: file, db) }
            start += rowsPerSlice
        } while start < longest
    }

    /// Every group comes with all its statements, however many: the statement limit is applied
    /// per patient by the assembler, after duplicates are merged, exactly as when nothing is spilled
    /// (memory is bounded by the largest patient, including one over the limit).
    public func forEachGroup(_ body: (SpilledGroup) throws(IngestError) -> Void) throws(IngestError) {
        writer.sync {}
        try checkFailure()
        do {
            _ = try store.buildGroups()
            for group in try store.groupIDs() {
                let rows = try store.rows(group: group)
                try body(SpilledGroup(bytes: rows.bytes) { () throws(IngestError) -> SourceExtract in
                    do { return try rows.extract() } catch { throw Self.spillError(error) }
                })
            }
        } catch {
            throw Self.spillError(error)
        }
    }

    public func keep(_ pieces: [(key: String, output: [UInt8])]) throws(IngestError) {
        guard !pieces.isEmpty else { return }
        do {
            try store.db.write { db in
                let insert = try db.cachedStatement(sql: "INSERT INTO spillOutput (key, body) VALUES (?, ?)")
                for piece in pieces { try insert.execute(arguments: [piece.key, Data(piece.output)]) }
            }
        } catch {
            throw Self.spillError(error)
        }
    }

    public func forEachOutput(_ body: ([UInt8]) throws(IngestError) -> Void) throws(IngestError) {
        do {
            try store.db.read { db in
                // Sorted on keys alone; each body is fetched by its row id, so that the sort never holds them.
                let order = try Int64.fetchCursor(db, sql: "SELECT seq FROM spillOutput ORDER BY key COLLATE recordKeyOrder, seq")
                let fetch = try db.cachedStatement(sql: "SELECT body FROM spillOutput WHERE seq = ?")
                while let seq = try order.next() {
                    guard let bytes = try Data.fetchOne(fetch, arguments: [seq]) else {
                        throw IngestError(.software, "the temporary database lost a CarePlan it kept (row \(seq)); nothing after it was written.")
                    }
                    try body([UInt8](bytes))
                }
            }
        } catch {
            throw Self.spillError(error)
        }
    }
}
