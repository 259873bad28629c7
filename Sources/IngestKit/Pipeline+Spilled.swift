import ClinicalModel
import Guideline
import JSONKit
import Mapping

extension Pipeline {
    /// Pipe mode once what was read went to a spill (``PatientSpill``): each group of linked
    /// rows is assembled and evaluated on its own, `jobs` groups at a time, its output kept in
    /// the spill, and everything is written at the end in patient order. The same bytes on
    /// stdout and the same diagnostics as evaluating everything at once; memory is bounded by the
    /// largest patient (and a chunk of groups).
    func runSpilled(_ c: Collected, spill: any PatientSpill, pretty: Bool, shape: OutputShape,
                    output: Int32) throws(IngestError) -> Outcome {
        var out = CarePlanOutput(fd: output, shape: shape, style: pretty ? .pretty : .compact, builder: builder)
        let framing = out.framing
        var outcome = Outcome()
        var unattributed = UnattributedTally()
        var incomplete: [(key: String, diagnostic: Diagnostic)] = []
        var chunk: [SpilledGroup] = []
        var chunkBytes = 0
        var keys = Set<String>()
        func evaluateChunk() throws(IngestError) {
            let groups = chunk
            chunk = []
            chunkBytes = 0
            let results = OrderedWork.map(count: groups.count, jobs: jobs) { i in
                Result { () throws(IngestError) in try evaluate(groups[i], framing: framing) }
            }
            // In group order: the tallies, and the output kept for the end.
            var kept: [(key: String, output: [UInt8])] = []
            for result in results {
                let group = try result.get()
                unattributed.add(group.unattributed)
                outcome.conflicts += group.conflicts
                outcome.patients += group.patients.count
                for p in group.patients {
                    // Records of different groups never share a key when they are made as when
                    // nothing is spilled; were they to, their order would differ from it: stop.
                    guard keys.insert(p.key).inserted else {
                        throw IngestError(.software, """
                            two patient groups of the temporary database gave records the same key, which holding \
                            everything in memory would have told apart; no output was written. Give --spill-above \
                            more than the size of the input, and report this input's shape.
                            """)
                    }
                    if let d = p.diagnostic { incomplete.append((p.key, d)) }
                    if p.deceased { outcome.deceased += 1 }
                    if p.incomplete { outcome.incomplete += 1 }
                    for piece in p.pieces {
                        if let piece { kept.append((p.key, piece)) }
                        outcome.carePlans += 1
                    }
                }
            }
            try spill.keep(kept)
        }
        try spill.forEachGroup { group throws(IngestError) in
            chunk.append(group)
            chunkBytes += group.bytes
            // A chunk: enough groups to keep every thread busy, and no more encoded rows than the
            // batch's chunks (it may end with a larger group: memory is bounded by the largest
            // patient).
            if chunk.count >= 64 * jobs || chunkBytes >= SpilledGroup.chunkBytes { try evaluateChunk() }
        }
        try evaluateChunk()
        // Written in bounded pieces, in patient order.
        try spill.forEachOutput { piece throws(IngestError) in try out.append(piece) }
        try out.finish()
        outcome.counts = c.collector.counts
        // Records in key order, as ``RecordAssembler`` sorts them (keys are unique across groups).
        incomplete.sort { $0.key < $1.key }
        outcome.diagnostics = c.collector.diagnostics + unattributed.diagnostics + incomplete.map(\.diagnostic)
        outcome.spilledAfter = c.spilledAfter
        return outcome
    }

    /// What one spilled group gave: its patients' outcomes and output, and what assembling it found.
    struct SpilledOutcome: Sendable {
        struct Patient: Sendable {
            let key: String
            /// Why he gets no CarePlan, when his record is not whole.
            let diagnostic: Diagnostic?
            let deceased: Bool
            let incomplete: Bool
            /// His CarePlans as they stand in the output (``CarePlanOutput/Framing``).
            let pieces: [[UInt8]?]
        }

        var patients: [Patient] = []
        var unattributed: [(source: SourceRef, reason: String)] = []
        var conflicts = 0
    }

    /// Decodes, assembles and evaluates one group (on any thread).
    func evaluate(_ group: SpilledGroup, framing: CarePlanOutput.Framing) throws(IngestError) -> SpilledOutcome {
        var assembler = RecordAssembler(rules: engine.mappings.identityRules, maxStatements: options.limits.maxStatementsPerPatient)
        assembler.add(try group.extract())
        let assembly = assembler.assemble()
        var result = SpilledOutcome(unattributed: assembly.unattributed, conflicts: assembly.conflicts)
        for record in assembly.records {
            let r = carePlans(of: record)
            result.patients.append(.init(key: record.key, diagnostic: Self.incompleteDiagnostics([record]).first,
                                         deceased: r.deceased, incomplete: r.incomplete, pieces: r.plans.map(framing.piece)))
        }
        return result
    }
}
