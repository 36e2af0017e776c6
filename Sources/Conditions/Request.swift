import Core

/// One change of the network conditions as a person names it, in text: what `tbctl link`,
/// `impair` and `partition` take on the command line and a scenario's `link`, `impair` and
/// `partition` jobs hold. `resolved` checks it against the testbed before anything changes.
public enum ConditionRequest: Sendable, Equatable {
    case link(guest: String, network: String, up: Bool)
    case impair(ImpairTarget, ImpairValues, Direction)
    /// The target's impairments in `direction` (nil: both); target nil: every impairment.
    case clear(ImpairTarget?, Direction?)
    case partition(String, String)
    case heal
}

/// `GUEST[:NETWORK]`, or a network between two hosts (`A,B`).
public enum ImpairTarget: Sendable, Equatable {
    case nic(String)
    case path(network: String, between: String)
}

/// The values of an impairment as written (`100ms`, `30%`, `10mbit`), parsed by `netem`.
public struct ImpairValues: Sendable, Equatable {
    public var delay, jitter, loss, rate, duplicate, corrupt: String?

    public init(delay: String? = nil, jitter: String? = nil, loss: String? = nil, rate: String? = nil,
                duplicate: String? = nil, corrupt: String? = nil) {
        self.delay = delay; self.jitter = jitter; self.loss = loss; self.rate = rate
        self.duplicate = duplicate; self.corrupt = corrupt
    }

    /// The names of the values, as the CLI's options and a scenario's keys spell them.
    public static let names = ["delay", "jitter", "loss", "rate", "duplicate", "corrupt"]

    public var isEmpty: Bool { [delay, jitter, loss, rate, duplicate, corrupt].allSatisfy { $0 == nil } }

    /// Parsed strictly; an error names the value as `prefix + name` (`--delay`, `delay`).
    public func netem(prefix: String) throws -> Netem {
        Netem(delay: try delay.map { try ConditionValue.duration($0, option: prefix + "delay") },
              jitter: try jitter.map { try ConditionValue.duration($0, option: prefix + "jitter") },
              loss: try loss.map { try ConditionValue.percent($0, option: prefix + "loss") },
              rate: try rate.map { try ConditionValue.rate($0, option: prefix + "rate") },
              duplicate: try duplicate.map { try ConditionValue.percent($0, option: prefix + "duplicate") },
              corrupt: try corrupt.map { try ConditionValue.percent($0, option: prefix + "corrupt") })
    }
}

/// A request with its names resolved and its values parsed: what NetworkConditions applies.
public enum ResolvedCondition: Sendable, Equatable {
    case link(NICRef, up: Bool)
    case impairNIC(NICRef, [Way], Netem)
    case impairPath(network: String, String, String, [Way], Netem)
    case clearNIC(NICRef, [Way])
    case clearPath(network: String, String, String, [Way])
    case clearAll
    case partition(Partition)
    case heal

    /// What to say when the testbed already is so.
    public var unchanged: String {
        switch self {
        case .link(let nic, let up): return "link \(nic) is already \(up ? "up" : "down")"
        case .impairNIC(let nic, _, _): return "\(nic) already has that"
        case .impairPath(let n, let a, let b, _, _): return "network \(n) between \(a) and \(b) already has that"
        case .clearNIC(let nic, _): return "\(nic) has no impairments"
        case .clearPath(let n, let a, let b, _): return "network \(n) between \(a) and \(b) has no impairments"
        case .clearAll: return "no impairments to clear"
        case .partition: return "that partition is already in place"
        case .heal: return "no partitions to heal"
        }
    }
}

extension ConditionRequest {
    /// Every name checked against the testbed, every value parsed (`prefix` names the values
    /// in errors: `--` for the CLI's options). Throws an `.invalidInput` error otherwise.
    public func resolved(_ r: Resolver, prefix: String = "--") throws -> ResolvedCondition {
        switch self {
        case .link(let guest, let network, let up):
            return .link(try r.nic(guest: guest, network: network), up: up)
        case .impair(let target, let values, let direction):
            let netem = try values.netem(prefix: prefix)
            switch target {
            case .nic(let text): return .impairNIC(try r.nic(text), direction.ways, netem)
            case .path(let network, let between):
                let (a, b) = try r.hostPair(network: network, between)
                return .impairPath(network: network, a, b, direction.ways, netem)
            }
        case .clear(let target, let direction):
            let ways = direction?.ways ?? Way.allCases
            switch target {
            case nil:
                // Every impairment, guests' and between hosts': `out` has no one meaning there.
                guard direction == nil else {
                    throw TBError(.invalidInput, "a direction does not go with clearing all impairments (they are cleared both ways); "
                                  + "name a guest's NIC or a network between two hosts to clear one direction")
                }
                return .clearAll
            case .nic(let text)?: return .clearNIC(try r.nic(text), ways)
            case .path(let network, let between)?:
                let (a, b) = try r.hostPair(network: network, between)
                return .clearPath(network: network, a, b, ways)
            }
        case .partition(let a, let b): return .partition(try r.partition(a, b))
        case .heal: return .heal
        }
    }
}
