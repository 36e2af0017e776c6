import Core
import Foundation

/// The values `impair` takes, parsed strictly: a typo must be an error, never a different
/// impairment. Units follow tc(8) where tc's are unambiguous.
public enum ConditionValue {
    /// "100ms", "1.5s", "250us", "0": a time, in microseconds (netem's resolution).
    public static func duration(_ text: String, option: String) throws -> Int {
        let (number, unit) = try split(text, option: option, what: "a time such as 100ms")
        let scale: Double
        switch unit.lowercased() {
        case "us", "usec": scale = 1
        case "ms", "msec": scale = 1_000
        case "s", "sec": scale = 1_000_000
        case "" where number == 0: scale = 1
        case "": throw bad(option, text, "give a unit: \(format(number))ms or \(format(number))s")
        default: throw bad(option, text, "unknown unit `\(unit)` (use us, ms or s)")
        }
        let micros = number * scale
        guard micros <= 3_600_000_000 else { throw bad(option, text, "at most an hour") }
        guard micros == micros.rounded() else { throw bad(option, text, "netem's resolution is 1us") }
        return Int(micros)
    }

    /// "30%", "0.5%", "0": a percentage of packets.
    public static func percent(_ text: String, option: String) throws -> Double {
        let (number, unit) = try split(text, option: option, what: "a percentage such as 30%")
        guard unit == "%" || (unit.isEmpty && number == 0) else {
            throw bad(option, text, unit.isEmpty ? "give it as a percentage: \(format(number))%" : "give it as a percentage such as 30%")
        }
        guard number <= 100 else { throw bad(option, text, "at most 100%") }
        return number
    }

    /// "1mbit", "10Mbit", "500kbit", "1gbit", "64000bit": bits per second (SI, like tc).
    /// tc's "kbps" means kilobytes per second, which nobody guesses right: refused, with the
    /// bit spelling offered.
    public static func rate(_ text: String, option: String) throws -> UInt64 {
        let (number, unit) = try split(text, option: option, what: "a rate such as 10mbit")
        let scale: Double
        switch unit.lowercased() {
        case "bit": scale = 1
        case "kbit": scale = 1e3
        case "mbit": scale = 1e6
        case "gbit": scale = 1e9
        case "" where number == 0: scale = 1
        case "bps", "kbps", "mbps", "gbps":
            throw bad(option, text, "give bits per second, e.g. \(format(number))\(unit.lowercased().dropLast(3))bit (tc's bps means bytes)")
        case "": throw bad(option, text, "give a unit: \(format(number))kbit or \(format(number))mbit")
        default: throw bad(option, text, "unknown unit `\(unit)` (use bit, kbit, mbit or gbit)")
        }
        let bits = number * scale
        guard bits == 0 || bits >= 8 else { throw bad(option, text, "at least 8bit") }
        guard bits <= 1e12 else { throw bad(option, text, "at most 1000gbit") }
        return UInt64(bits.rounded())
    }

    /// A number (digits, at most one point) and the unit after it.
    static func split(_ text: String, option: String, what: String) throws -> (Double, String) {
        let t = text.trimmingCharacters(in: .whitespaces)
        let digits = t.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
        guard !digits.isEmpty, digits.filter({ $0 == "." }).count <= 1, digits.first != ".", digits.last != ".",
              let number = Double(digits) else {
            throw bad(option, text, "expected \(what)")
        }
        return (number, String(t.dropFirst(digits.count)))
    }

    static func bad(_ option: String, _ text: String, _ why: String) -> TBError {
        TBError(.invalidInput, "\(option) `\(text)`: \(why)")
    }

    static func format(_ n: Double) -> String {
        n == n.rounded() && abs(n) < 1e15 ? String(Int64(n)) : String(n)
    }

    // MARK: printing (status, tc arguments)

    /// 100000 -> "100ms", 1500 -> "1.5ms", 2000000 -> "2s", 250 -> "250us".
    public static func show(micros: Int) -> String {
        if micros >= 1_000_000, micros % 100_000 == 0 { return format(Double(micros) / 1e6) + "s" }
        if micros >= 1_000, micros % 100 == 0 { return format(Double(micros) / 1e3) + "ms" }
        return "\(micros)us"
    }

    /// 1000000 -> "1mbit", 1500000 -> "1500kbit", 64 -> "64bit".
    public static func show(bits: UInt64) -> String {
        for (unit, scale) in [("gbit", UInt64(1_000_000_000)), ("mbit", 1_000_000), ("kbit", 1_000)] where bits >= scale && bits % scale == 0 {
            return "\(bits / scale)\(unit)"
        }
        return "\(bits)bit"
    }

    /// 30 -> "30%", 0.5 -> "0.5%".
    public static func show(percent: Double) -> String { format(percent) + "%" }
}
