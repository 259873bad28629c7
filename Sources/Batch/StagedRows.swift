import ClinicalModel
import Foundation

/// One extract's rows as the staging database stores them, encoded (statements by
/// `StatementCodec`, the rest by `StagingEncoder`) but not yet inserted: the batch encodes on the threads that read the inputs, so that the one thread
/// that writes the database only inserts.
struct StagedRows: Sendable {
    struct Patient: Sendable {
        let ord: Int
        let body: Data
        /// Its reference keys and the identifiers that may link it (`StagingStore.link`).
        let links: [String]
    }

    struct Statement: Sendable {
        let ord: Int
        let link: String
        /// The Medication resource a medication statement names, resolved when it is assembled.
        let medicationReference: String?
        let body: Data
    }

    struct Medication: Sendable {
        let keys: [String]
        let ord: Int
        let body: Data
    }

    struct Rejected: Sendable {
        let link: String
        let ord: Int
        let body: Data
    }

    var patients: [Patient] = []
    var statements: [Statement] = []
    var medications: [Medication] = []
    var rejected: [Rejected] = []

    /// Rows numbered from `ordBase` (the rows of earlier chunks of the same input come before).
    init(_ extract: SourceExtract, identity: IdentityRules, ordBase: Int = 0) throws {
        let encoder = StagingEncoder()
        patients.reserveCapacity(extract.patients.count)
        for (i, p) in extract.patients.enumerated() {
            // Only identifiers that may link (a system, not a placeholder) group records.
            let links = p.keys.map { StagingStore.link(.key($0)) }
                + p.identity.identifiers.filter(identity.links).map { StagingStore.link(.identifier($0)) }
            patients.append(Patient(ord: ordBase + i, body: Data(try encoder.encode(p)), links: links))
        }
        statements.reserveCapacity(extract.statements.count)
        for (i, item) in extract.statements.enumerated() {
            var reference: String?
            if case .medication(let m) = item.statement { reference = m.medicationReference }
            statements.append(Statement(ord: ordBase + i, link: StagingStore.link(item.link), medicationReference: reference,
                                        body: Data(StatementCodec.encode(item.statement))))
        }
        for (i, m) in extract.medications.enumerated() {
            medications.append(Medication(keys: m.keys, ord: ordBase + i, body: Data(try encoder.encode(m))))
        }
        for (i, r) in extract.rejectedLinks.enumerated() {
            rejected.append(Rejected(link: StagingStore.link(r.link), ord: ordBase + i, body: Data(try encoder.encode(r))))
        }
    }
}
