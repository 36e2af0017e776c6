/// `link`, `impair` and `partition` jobs: the network conditions of `tbctl link`, `impair`
/// and `partition` (docs/conditions.md), on the whole testbed. The fields are templates
/// (`Value == Template`) until the job runs; `map` renders them (`Value == String`), and the
/// testbed checks names and values (RunTargets) before the run starts where they are literal.
public enum NetworkChange<Value: Sendable>: Sendable {
    /// `link: {guest: G, network: N, state: down|up}`
    case link(guest: Value, network: Value, up: Bool)
    /// `impair: {target: G[:N], delay: 100ms, ...}`, or `{network: N, between: A,B, ...}`.
    case impair(Impairment<Value>)
    /// `partition: [GROUP_A, GROUP_B]`: groups as `tbctl partition` takes them.
    case partition(Value, Value)
    /// `partition: heal`
    case heal

    public func map<T>(_ f: (Value) throws -> T) rethrows -> NetworkChange<T> {
        switch self {
        case .link(let g, let n, let up): return .link(guest: try f(g), network: try f(n), up: up)
        case .impair(let i): return .impair(try i.map(f))
        case .partition(let a, let b): return .partition(try f(a), try f(b))
        case .heal: return .heal
        }
    }

    /// Every name and value, in a fixed order.
    public var values: [Value] {
        switch self {
        case .link(let g, let n, _): return [g, n]
        case .impair(let i): return i.all
        case .partition(let a, let b): return [a, b]
        case .heal: return []
        }
    }

    /// The key that names the kind in the file.
    public var kind: String {
        switch self {
        case .link: return "link"
        case .impair: return "impair"
        case .partition, .heal: return "partition"
        }
    }
}

public struct Impairment<Value: Sendable>: Sendable {
    public enum Target: Sendable {
        /// `target: GUEST[:NETWORK]`
        case nic(Value)
        /// `network: N, between: A,B`
        case path(network: Value, between: Value)
    }

    /// nil: `clear: all`.
    public var target: Target?
    /// By name (`delay`, `jitter`, `loss`, `rate`, `duplicate`, `corrupt`); empty when clearing.
    public var values: [String: Value]
    /// `out`, `in` or `both`; nil: out (both when clearing).
    public var direction: String?
    public var clear: Bool

    public init(target: Target?, values: [String: Value], direction: String?, clear: Bool) {
        self.target = target; self.values = values; self.direction = direction; self.clear = clear
    }

    public func map<T>(_ f: (Value) throws -> T) rethrows -> Impairment<T> {
        let t: Impairment<T>.Target?
        switch target {
        case .nic(let v)?: t = .nic(try f(v))
        case .path(let n, let b)?: t = .path(network: try f(n), between: try f(b))
        case nil: t = nil
        }
        return Impairment<T>(target: t, values: try values.mapValues(f), direction: direction, clear: clear)
    }

    /// Every value, in a fixed order (for checks and descriptions).
    public var all: [Value] {
        let t: [Value]
        switch target {
        case .nic(let v)?: t = [v]
        case .path(let n, let b)?: t = [n, b]
        case nil: t = []
        }
        return t + values.keys.sorted().map { values[$0]! }
    }
}

extension NetworkChange where Value == String {
    /// For the run display, the record and `--dry-run`.
    public var description: String {
        switch self {
        case .link(let g, let n, let up): return "link \(g) on \(n) \(up ? "up" : "down")"
        case .impair(let i):
            let what: String
            switch i.target {
            case .nic(let t)?: what = t
            case .path(let n, let b)?: what = "\(n) between \(b)"
            case nil: what = "every target"
            }
            if i.clear { return "clear the impairments of \(what)" + (i.direction.map { " (\($0))" } ?? "") }
            let values = i.values.keys.sorted().map { "\($0) \(i.values[$0]!)" }.joined(separator: ", ")
            return "impair \(what): \(values)" + (i.direction.map { " (\($0))" } ?? "")
        case .partition(let a, let b): return "partition \(a) from \(b)"
        case .heal: return "heal every partition"
        }
    }
}
