import Foundation
import Core
import YAML

/// Typed reads of the scenario's nodes. Each reports a wrong value at the value's mark and
/// returns nil, so decoding goes on and one run shows every mistake.
struct Reader {
    let problems: Problems

    func error(_ node: Node, _ path: Path, _ message: String) { problems.add(node.mark, path, message) }

    /// "a string (\"two\")", "a mapping", "null": what the user wrote.
    static func describe(_ node: Node) -> String {
        guard let s = node.scalar, !node.isNull else { return node.kindDescription }
        return "\(node.kindDescription) (\"\(s.value)\")"
    }

    /// The pairs of a mapping whose keys must be among `allowed` (unknown keys reported at the
    /// key, with a suggestion). nil when the node is not a mapping.
    func fields(_ node: Node, _ path: Path, allowed: [String]) -> [String: Pair]? {
        guard let mapping = node.mapping else {
            error(node, path, "expected a mapping, got \(Self.describe(node))")
            return nil
        }
        var out: [String: Pair] = [:]
        for pair in mapping {
            guard let key = pair.key.scalar?.value, !pair.key.isNull else {
                error(pair.key, path, "expected a key, got \(Self.describe(pair.key))")
                continue
            }
            guard allowed.contains(key) else {
                error(pair.key, path.key(key), "unknown key `\(key)`" + Suggestions.hint(for: key, among: allowed))
                continue
            }
            out[key] = pair
        }
        return out
    }

    /// Any scalar but null, as written (`1000` stays "1000").
    func text(_ node: Node, _ path: Path) -> String? {
        guard let s = node.scalar, !node.isNull else {
            error(node, path, "expected a string, got \(Self.describe(node))")
            return nil
        }
        return s.value
    }

    func template(_ node: Node, _ path: Path) -> Template? {
        guard let text = text(node, path) else { return nil }
        return Template.parse(text, scalar: node.scalar, at: node.mark, path: path, problems: problems)
    }

    func name(_ node: Node, _ path: Path) -> Located<String>? {
        guard let text = text(node, path) else { return nil }
        guard !text.isEmpty else { error(node, path, "expected a name, got an empty string"); return nil }
        return Located(text, node.mark)
    }

    func bool(_ node: Node, _ path: Path) -> Bool? {
        guard let b = node.bool else {
            error(node, path, "expected true or false, got \(Self.describe(node))")
            return nil
        }
        return b
    }

    func int(_ node: Node, _ path: Path, min: Int) -> Int? {
        guard let n = node.int else {
            error(node, path, "expected an integer, got \(Self.describe(node))")
            return nil
        }
        guard n >= min else { error(node, path, "must be at least \(min), got \(n)"); return nil }
        return n
    }

    func percent(_ node: Node, _ path: Path) -> Double? {
        var text = node.scalar?.value ?? ""
        if text.hasSuffix("%") { text.removeLast() }
        guard let p = node.double ?? Double(text), p >= 0, p <= 100 else {
            error(node, path, "expected a percentage from 0 to 100, got \(Self.describe(node))")
            return nil
        }
        return p
    }

    func list(_ node: Node, _ path: Path) -> [Node]? {
        guard let items = node.sequence else {
            error(node, path, "expected a list, got \(Self.describe(node))")
            return nil
        }
        return items
    }

    /// A name or a list of names.
    func names(_ node: Node, _ path: Path) -> [Located<String>]? {
        if node.scalar != nil { return name(node, path).map { [$0] } }
        guard let items = list(node, path) else { return nil }
        if items.isEmpty { error(node, path, "the list is empty") }
        return items.enumerated().compactMap { name($0.element, path.index($0.offset)) }
    }

    /// `30s`, `500ms`, `2m`, `1h`, or a number of seconds.
    func duration(_ node: Node, _ path: Path) -> Duration? {
        if let seconds = node.double, seconds >= 0 { return .milliseconds(Int64((seconds * 1000).rounded())) }
        if let text = node.string, let d = Durations.parse(text) { return d }
        error(node, path, "expected a duration like 30s, 500ms, 2m or 1h, got \(Self.describe(node))")
        return nil
    }

    /// `'0755'` or `0o755`: file permission bits.
    func mode(_ node: Node, _ path: Path) -> Int? {
        let text = node.scalar?.value ?? ""
        let digits = text.hasPrefix("0o") ? String(text.dropFirst(2)) : text
        guard !digits.isEmpty, digits.count <= 4, let n = Int(digits, radix: 8) else {
            error(node, path, "expected permission bits in octal like '0755', got \(Self.describe(node))")
            return nil
        }
        return n
    }
}

/// Durations as written in scenarios.
public enum Durations {
    public static func parse(_ text: String) -> Duration? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            let number = text.dropLast(suffix.count)
            // `5m` must not be read as `5` + `m`s of `ms`: the loop tries "ms" first.
            guard let v = Double(number), v >= 0, number.allSatisfy({ $0.isNumber || $0 == "." }) else { return nil }
            return .milliseconds(Int64((v * scale * 1000).rounded()))
        }
        return nil
    }

    /// `1.5s`, `250ms`, `2m`: the way durations are shown back.
    public static func format(_ d: Duration) -> String {
        let ms = d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000
        if ms % 60_000 == 0 && ms >= 60_000 { return "\(ms / 60_000)m" }
        if ms % 1000 == 0 { return "\(ms / 1000)s" }
        if ms < 1000 { return "\(ms)ms" }
        return String(format: "%.1fs", Double(ms) / 1000)
    }
}
