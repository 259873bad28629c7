internal import CLibXML2
import ClinicalModel

// The document header, before the first section: the document's id and its recordTarget
// (identifiers, gender, birth time, death). Apart from the body because it is read by position
// (depth 1–4 under ClinicalDocument), not by template, and because it decides who the
// statements belong to.

extension DocumentWalker {
    mutating func header(_ name: Name, _ node: UnsafeMutablePointer<xmlNode>, _ depth: Int) {
        guard depth >= 1 && depth <= 4 else { return }
        if depth == 1 {
            if name == .recordTarget { recordTargets += 1 }
            if name == .id, documentID == nil {
                let a = attributes(node)
                if a.nullFlavor == nil, let root = string(a.root) { documentID = string(a.ext).map { root + "^" + $0 } ?? root }
            }
            return
        }
        guard recordTargets == 1, path[1] == .recordTarget, path[2] == .patientRole else { return }
        if depth == 2 {
            patientLine = line(node)
        } else if depth == 3 && name == .id {
            let a = attributes(node)
            if a.nullFlavor == nil, let root = string(a.root) { patientIDs.append((root, string(a.ext))) }
        } else if depth == 4 && path[3] == .patient {
            if name == .administrativeGenderCode {
                let a = attributes(node)
                if let code = a.code {
                    gender = tables.gender(code)
                } else if a.nullFlavor != nil {
                    gender = tables.otherGender
                }
            } else if name == .birthTime {
                let a = attributes(node)
                if a.nullFlavor == nil { birthDate = time(a.value, "birthTime", line: line(node)) }
            } else if name == .deceasedInd {
                deceasedIndicator(node)
            } else if name == .deceasedTime {
                let a = attributes(node)
                if a.nullFlavor == nil, a.value != nil {
                    // A death time that cannot be read still says the patient died.
                    deceased = Deceased.merge(deceased, time(a.value, "sdtc:deceasedTime", line: line(node)).map { .on($0) } ?? .yes)
                }
            }
        }
    }

    /// `sdtc:deceasedInd`: a value that is not a boolean still says something about death.
    private mutating func deceasedIndicator(_ node: UnsafeMutablePointer<xmlNode>) {
        let a = attributes(node)
        guard a.nullFlavor == nil, let v = string(a.value) else { return }
        switch v.trimmingSpaces().lowercased() {
        case "true", "1", "yes": deceased = Deceased.merge(deceased, .yes)
        case "false", "0", "no": deceased = Deceased.merge(deceased, .no)
        default:
            warnings.append(Diagnostic(
                kind: "invalid-element", severity: .warning, file: file, line: line(node), path: "sdtc:deceasedInd",
                message: "sdtc:deceasedInd/@value is not a boolean; the patient is taken as deceased."))
            deceased = Deceased.merge(deceased, .yes)
        }
    }

    /// The patient entry and the identifier statements link to.
    mutating func patient() -> (PatientEntry, Identifier) {
        var identifiers: [Identifier] = []
        var subjectID: Identifier? = nil
        for (root, ext) in patientIDs {
            let id: Identifier
            if let ext {
                id = Identifier(system: Self.system(root), value: ext)
                if subjectID == nil { subjectID = id }
            } else {
                id = Identifier(system: "urn:ietf:rfc:3986", value: Self.system(root))
            }
            if !identifiers.contains(id) { identifiers.append(id) }
        }
        if subjectID == nil { subjectID = identifiers.first }
        let subject: Identifier
        if let subjectID {
            subject = subjectID
        } else {
            subject = Identifier(system: "urn:clinicalingest:cda-document", value: file)
            identifiers.append(subject)
            warnings.append(Diagnostic(
                kind: "cda-no-patient-id", severity: .warning, file: file, line: patientLine,
                path: "ClinicalDocument/recordTarget/patientRole/id",
                message: recordTargets == 0
                    ? "the document has no recordTarget; its statements are attributed to the document."
                    : "recordTarget/patientRole has no usable id; its statements are attributed to the document."))
        }
        if recordTargets > 1 {
            warnings.append(Diagnostic(
                kind: "cda-several-patients", severity: .warning, file: file, line: patientLine,
                path: "ClinicalDocument/recordTarget",
                message: "the document has \(recordTargets) recordTargets; only the first was read."))
        }
        let identity = PatientIdentity(subject: .identifier(subject), identifiers: identifiers.sorted(), gender: gender,
                                       birthDate: birthDate, deceased: deceased, isDescribed: recordTargets > 0)
        let reference = patientIDs.first.map { id in id.ext.map { id.root + "^" + $0 } ?? id.root }
        let entry = PatientEntry(keys: [documentKey], identity: identity,
                                 source: SourceRef(file: file, format: .cda, reference: reference, line: patientLine))
        return (entry, subject)
    }

    /// The key that ties the document's statements to its recordTarget, whatever identifiers the
    /// patient has (a placeholder one links nothing): the document's id, else its file.
    var documentKey: String { RecordAssembler.documentKeyPrefix + (documentID ?? "file:" + file) }

    /// `urn:oid:<root>` for an OID, `urn:uuid:<root>` for a UUID, else the root as written.
    static func system(_ root: String) -> String {
        let utf8 = root.utf8
        if !utf8.isEmpty && utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E }) { return "urn:oid:" + root }
        if utf8.count == 36 && utf8.allSatisfy({ $0 == 0x2D || ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x66) }) {
            return "urn:uuid:" + root.lowercased()
        }
        return root
    }
}
