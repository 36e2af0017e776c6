import Foundation

extension Duration {
    /// "0.3 s", "10 s": for messages (Duration's own description prints every attosecond).
    var secondsText: String {
        let value = seconds
        let text = String(format: "%.1f", value)
        return (text.hasSuffix(".0") ? String(text.dropLast(2)) : text) + " s"
    }
}
