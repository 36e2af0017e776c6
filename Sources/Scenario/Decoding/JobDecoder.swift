import Core
import Foundation
import YAML

/// One entry of a stage's `jobs:`: exactly one kind key (`run`, `copy`, ... see JobKinds) and
/// the options around it.
enum JobDecoder {
    static let common = ["name", "ignore_errors"]

    static func decode(_ node: Node, index: Int, path: Path, _ r: Reader) -> Job? {
        let allKeys = common + JobKinds.all.map(\.key) + JobKinds.options
        guard let f = r.fields(node, path, allowed: allKeys) else { return nil }
        let kinds = JobKinds.all.filter { f[$0.key] != nil }
        guard let kind = kinds.first else {
            r.problems.add(node.mark, path, "a job needs one of " + JobKinds.all.map { "`\($0.key)`" }.joined(separator: ", "))
            return nil
        }
        if kinds.count > 1 {
            r.error(f[kinds[1].key]!.key, path.key(kinds[1].key),
                    "a job does one thing: `\(kinds[0].key)` and `\(kinds[1].key)` are both given (make two jobs)")
            return nil
        }
        for key in JobKinds.options where f[key] != nil && !kind.options.contains(key) {
            r.error(f[key]!.key, path.key(key), "`\(key)` does not apply to a `\(kind.key)` job"
                    + (kind.options.isEmpty ? "" : " (it takes " + kind.options.map { "`\($0)`" }.joined(separator: ", ") + ")"))
        }
        let action = kind.decode(f[kind.key]!.value, path.key(kind.key), f, r)
        var name = "\(kind.key)-\(index + 1)"
        if let n = f["name"], let located = r.name(n.value, path.key("name")) {
            if located.value.contains(where: { $0.isWhitespace || $0 == "/" }) {
                r.error(n.value, path.key("name"), "a job name has no blanks or `/` (it names the job in records and logs)")
            }
            name = located.value
        }
        // A job whose action is wrong (reported) still takes its place, so that what it
        // registers does not show up as unknown vars later in the report.
        var job = Job(index: index, name: name, mark: node.mark, action: action ?? .sleep(.zero))
        job.ignoreErrors = f["ignore_errors"].flatMap { r.bool($0.value, path.key("ignore_errors")) } ?? false
        job.itemsConcurrent = f["concurrent"].flatMap { r.bool($0.value, path.key("concurrent")) } ?? false
        job.items = f["with_items"].flatMap { items($0.value, path.key("with_items"), r) }
        if f["concurrent"] != nil && f["with_items"] == nil {
            r.error(f["concurrent"]!.key, path.key("concurrent"), "`concurrent` says how `with_items` runs: give `with_items` too")
        }
        job.register = f["register"].flatMap { register($0.value, path.key("register"), r) }
        job.metrics = f["metrics"].map { metrics($0.value, path.key("metrics"), r) } ?? []
        job.timeout = f["timeout"].flatMap { r.duration($0.value, path.key("timeout")) }
        checkBackground(job, f, path, r)
        return job
    }

    static func checkBackground(_ job: Job, _ f: [String: Pair], _ path: Path, _ r: Reader) {
        guard job.action.isBackground else { return }
        for key in ["register", "timeout"] where f[key] != nil {
            r.error(f[key]!.key, path.key(key), "a background job runs until the run ends: `\(key)` does not apply")
        }
    }

    static func items(_ node: Node, _ path: Path, _ r: Reader) -> [Item]? {
        guard let nodes = r.list(node, path) else { return nil }
        if nodes.isEmpty { r.error(node, path, "`with_items` is empty: the job would never run") }
        return nodes.enumerated().compactMap { i, n in
            let p = path.index(i)
            if let pairs = n.mapping {
                var fields: [String: Template] = [:]
                for pair in pairs {
                    guard let key = pair.key.scalar?.value, Names.isVariable(key) else {
                        r.error(pair.key, p, "an item's keys are names (`{{ item.NAME }}`), got \(Reader.describe(pair.key))")
                        continue
                    }
                    if let t = r.template(pair.value, p.key(key)) { fields[key] = t }
                }
                return .fields(fields, n.mark)
            }
            return r.template(n, p).map(Item.value)
        }
    }

    static func register(_ node: Node, _ path: Path, _ r: Reader) -> Located<String>? {
        guard let name = r.name(node, path) else { return nil }
        guard Names.isVariable(name.value) else {
            r.error(node, path, "`\(name.value)` is not a variable name (letters, digits, `_`, `-`; starting with a letter)")
            return nil
        }
        return name
    }

    static func metrics(_ node: Node, _ path: Path, _ r: Reader) -> [Metric] {
        guard let pairs = node.mapping else {
            r.error(node, path, "expected a mapping of metric names to regular expressions, got \(Reader.describe(node))")
            return []
        }
        return pairs.compactMap { pair in
            guard let name = pair.key.scalar?.value,
                  name.first.map({ $0.isASCII && ($0.isLetter || $0 == "_") }) == true,
                  name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
                r.error(pair.key, path, "a metric name is letters, digits and `_` (as in Prometheus), got \(Reader.describe(pair.key))")
                return nil
            }
            let p = path.key(name)
            guard let pattern = r.text(pair.value, p) else { return nil }
            guard let regex = Patterns.compile(pattern, at: pair.value, p, r) else { return nil }
            guard regex.numberOfCaptureGroups >= 1 else {
                r.error(pair.value, p, "the expression needs a capture group for the value, like 'rps: ([0-9.]+)'")
                return nil
            }
            return Metric(name: name, pattern: pattern, mark: pair.value.mark)
        }
    }
}

/// Regular expressions of scenarios (ICU syntax, as NSRegularExpression reads them).
public enum Patterns {
    static func compile(_ pattern: String, at node: Node, _ path: Path, _ r: Reader) -> NSRegularExpression? {
        do {
            return try NSRegularExpression(pattern: pattern)
        } catch {
            r.error(node, path, "`\(pattern)` is not a valid regular expression")
            return nil
        }
    }

    /// `pattern` anchored to match a whole name.
    public static func fullMatch(_ pattern: String) throws -> NSRegularExpression {
        try NSRegularExpression(pattern: "^(?:" + pattern + ")$")
    }
}
