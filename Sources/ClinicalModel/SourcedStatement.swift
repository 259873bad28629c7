/// A clinical statement that knows where it came from: what duplicate merging needs.
protocol SourcedStatement: Hashable {
    var source: SourceRef { get set }
    var otherSources: [SourceRef] { get set }
}

extension Condition: SourcedStatement {}
extension MedicationUse: SourcedStatement {}
extension Observation: SourcedStatement {}
extension Procedure: SourcedStatement {}
