/// A measured amount with its unit, keeping the value's original text (FHIR decimals carry
/// their precision; `0.010` must not turn into `0.01`).
public struct Quantity: Codable, Hashable, Sendable {
    public var value: Double
    public var text: String
    /// UCUM code when given (`ng/mL`), else the human unit.
    public var unit: String?
    /// Comparator (`<`, `<=`, `>=`, `>`) for censored lab values such as "< 0.1".
    public var comparator: String?

    public init(value: Double, text: String, unit: String?, comparator: String? = nil) {
        self.value = value
        self.text = text
        self.unit = unit
        self.comparator = comparator
    }

    /// A value that can be an amount measured: finite and not negative ("-0", "-1E400", "1e999999"
    /// are not; the reader warns about them where they are read).
    public var isMeasurable: Bool { value.isFinite && value.sign == .plus }
}
