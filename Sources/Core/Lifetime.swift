import Foundation

/// A testbed's time to live as people write it (`ttl: 2h`, `up --ttl 90m`, `extend 1h`):
/// whole numbers with a unit, s, m, h or d, several in a row ("1h30m"). No unit is an
/// error: "30" could be seconds or minutes, and a testbed reaped 59 minutes early is lost work.
public enum Lifetime {
    /// Seconds, or nil with what is wrong.
    public static func seconds(_ text: String) -> Result<Int, LifetimeError> {
        let units: [Character: Int] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        var total = 0, number = "", parts = 0
        for c in text.trimmingCharacters(in: .whitespaces) {
            if c.isASCII && c.isNumber { number.append(c); continue }
            guard let unit = units[c] else { return .failure(.init("unknown unit `\(c)` (use s, m, h or d: 90m, 2h, 1d)")) }
            guard let n = Int(number) else { return .failure(.init("a number must come before `\(c)`")) }
            total += n * unit; number = ""; parts += 1
        }
        guard number.isEmpty else { return .failure(.init("give a unit: \(number)m or \(number)h")) }
        guard parts > 0 else { return .failure(.init("give a time such as 2h, 90m or 1d")) }
        guard total > 0 else { return .failure(.init("must be longer than 0s")) }
        guard total <= 366 * 86400 else { return .failure(.init("at most a year")) }
        return .success(total)
    }

    /// "1d 2h", "1h 30m", "4m 10s", "45s": the two largest units, for tables.
    public static func format(_ seconds: Int) -> String {
        let s = max(0, seconds)
        let parts = [(s / 86400, "d"), (s % 86400 / 3600, "h"), (s % 3600 / 60, "m"), (s % 60, "s")]
        guard let first = parts.firstIndex(where: { $0.0 > 0 }) else { return "0s" }
        return parts[first...].prefix(2).filter { $0.0 > 0 }.map { "\($0.0)\($0.1)" }.joined(separator: " ")
    }
}

public struct LifetimeError: Error, Sendable, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
}
