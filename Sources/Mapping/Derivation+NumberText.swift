/// Numbers as clinicians read them in notes: no Foundation formatters.
extension Derivation {
    static func round3(_ x: Double) -> String {
        // Three significant figures, without Foundation formatters.
        guard x != 0, x.isFinite else { return "0" }
        var digits = 0
        var m = abs(x)
        while m >= 1000 { m /= 10; digits -= 1 }
        while m < 100 { m *= 10; digits += 1 }
        let scaled = (x * pow10(digits)).rounded() / pow10(digits)
        return format(scaled)
    }

    static func pow10(_ n: Int) -> Double {
        var r = 1.0
        for _ in 0..<abs(n) { r *= 10 }
        return n >= 0 ? r : 1 / r
    }

    /// A short decimal: no trailing ".0", at most 4 decimals.
    static func format(_ x: Double) -> String {
        if x == x.rounded(), abs(x) < 1e15 { return String(Int(x)) }
        let scaled = (x * 10_000).rounded() / 10_000
        var s = String(scaled)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }
}
