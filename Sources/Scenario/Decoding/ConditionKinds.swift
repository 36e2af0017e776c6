import Core
import YAML

/// The decoders of `link`, `impair` and `partition` jobs (NetworkChange). Names and values
/// are templates here; the testbed checks the literal ones before the run starts.
enum ConditionKinds {
    static let all: [JobKind] = [
        JobKind(key: "link", options: [], decode: link),
        JobKind(key: "impair", options: [], decode: impair),
        JobKind(key: "partition", options: [], decode: partition),
    ]

    /// `link: {guest: web-0, network: lan, state: down}`
    static func link(_ node: Node, _ path: Path, _ job: [String: Pair], _ r: Reader) -> JobAction? {
        guard let f = r.fields(node, path, allowed: ["guest", "network", "state"]) else { return nil }
        for key in ["guest", "network", "state"] where f[key] == nil { r.problems.add(node.mark, path, "missing required key `\(key)`") }
        let guest = f["guest"].flatMap { r.template($0.value, path.key("guest")) }
        let network = f["network"].flatMap { r.template($0.value, path.key("network")) }
        var up: Bool?
        if let s = f["state"] {
            switch s.value.scalar?.value {
            case "up"?: up = true
            case "down"?: up = false
            default: r.error(s.value, path.key("state"), "the link state is `down` or `up`, got \(Reader.describe(s.value))")
            }
        }
        guard let guest, let network, let up else { return nil }
        return .testbed(.network(.link(guest: guest, network: network, up: up)))
    }

    /// `impair: {target: web-0:lan, delay: 100ms, direction: both}`,
    /// `impair: {network: lan, between: main,rack2, loss: 5%}`, `impair: {target: web-0, clear: true}`,
    /// `impair: {clear: all}`.
    static func impair(_ node: Node, _ path: Path, _ job: [String: Pair], _ r: Reader) -> JobAction? {
        let keys = ["target", "network", "between", "direction", "clear"] + ImpairValuesKeys.names
        guard let f = r.fields(node, path, allowed: keys) else { return nil }
        let direction = f["direction"].flatMap { pair -> String? in
            guard let d = pair.value.scalar?.value, ["out", "in", "both"].contains(d) else {
                r.error(pair.value, path.key("direction"), "the direction is `out`, `in` or `both`, got \(Reader.describe(pair.value))")
                return nil
            }
            return d
        }
        var values: [String: Template] = [:]
        for key in ImpairValuesKeys.names { if let p = f[key], let t = r.template(p.value, path.key(key)) { values[key] = t } }
        let (clear, all) = clearing(f["clear"], path, r)
        if f["target"] != nil && f["network"] != nil {
            r.error(f["network"]!.key, path.key("network"), "give `target` (a guest's NIC) or `network` with `between`, not both")
        }
        if (f["network"] == nil) != (f["between"] == nil) {
            let given = f["network"] ?? f["between"]!
            r.error(given.key, path, "`network` and `between` go together: the network between two hosts (`between: A,B`)")
        }
        let target = impairTarget(f, path, r)
        if all && (f["target"] != nil || f["network"] != nil) {
            r.error(f["clear"]!.value, path.key("clear"), "`clear: all` clears every impairment: give no target (or `clear: true` with one)")
        }
        if !all && f["target"] == nil && f["network"] == nil {
            r.problems.add(node.mark, path, "name a target: `target: GUEST[:NETWORK]`, or `network` with `between: A,B`"
                           + (clear ? " (or `clear: all`)" : ""))
        }
        if clear && !values.isEmpty {
            r.error(f["clear"]!.key, path.key("clear"), "`clear` takes no values: it removes the target's impairments")
        }
        if !clear && ImpairValuesKeys.names.allSatisfy({ f[$0] == nil }) {
            r.problems.add(node.mark, path, "give at least one of " + ImpairValuesKeys.names.map { "`\($0)`" }.joined(separator: ", "))
        }
        guard all || target != nil else { return nil }
        return .testbed(.network(.impair(Impairment(target: all ? nil : target, values: values, direction: direction, clear: clear))))
    }

    /// `clear: true` (the target's impairments) or `clear: all` (every one): (clear, all).
    static func clearing(_ pair: Pair?, _ path: Path, _ r: Reader) -> (Bool, Bool) {
        guard let pair else { return (false, false) }
        if pair.value.scalar?.value == "all" { return (true, true) }
        return (r.bool(pair.value, path.key("clear")) ?? false, false)
    }

    static func impairTarget(_ f: [String: Pair], _ path: Path, _ r: Reader) -> Impairment<Template>.Target? {
        if let t = f["target"] { return r.template(t.value, path.key("target")).map { .nic($0) } }
        guard let n = f["network"], let b = f["between"],
              let network = r.template(n.value, path.key("network")), let between = r.template(b.value, path.key("between")) else { return nil }
        return .path(network: network, between: between)
    }

    /// `partition: [GROUP_A, GROUP_B]` or `partition: heal`.
    static func partition(_ node: Node, _ path: Path, _ job: [String: Pair], _ r: Reader) -> JobAction? {
        if let s = node.scalar, !node.isNull {
            guard s.value == "heal" else {
                r.error(node, path, "expected two groups (`[db, web]`) or `heal`, got \(Reader.describe(node))")
                return nil
            }
            return .testbed(.network(.heal))
        }
        guard let items = r.list(node, path) else { return nil }
        guard items.count == 2 else {
            r.error(node, path, "a partition is between two groups, got \(items.count): e.g. `partition: [db, \"web-0,web-1\"]`")
            return nil
        }
        guard let a = r.template(items[0], path.index(0)), let b = r.template(items[1], path.index(1)) else { return nil }
        return .testbed(.network(.partition(a, b)))
    }
}

/// The impairment values' keys (as `tbctl impair`'s options, without the dashes).
enum ImpairValuesKeys {
    static let names = ["delay", "jitter", "loss", "rate", "duplicate", "corrupt"]
}
