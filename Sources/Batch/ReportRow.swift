import JSONKit

/// One CarePlan of tonight, as the report's patient table lists it.
struct ReportRow: Sendable {
    let key: String
    let guideline: String
    /// The CarePlan's subject (a reference, or an identifier): all the report says of who he is.
    let subject: JSONValue
    let carePlanID: String?
    /// The recommendations it holds, in priority order.
    let fired: [String]
    /// False for a patient absent from tonight's inputs whose CarePlan was kept.
    let seen: Bool
}
