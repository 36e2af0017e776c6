/// The network conditions a testbed should have: part of its state, kept in
/// `.testbed/conditions.json`, shown by `status`, put back by `up` and after `snapshot restore`,
/// removed by `down`. Names, not addresses: they are resolved against the compiled state when
/// applied, so a partition of a service also holds its clones added later.
public struct Conditions: Codable, Sendable, Equatable {
    /// NICs whose link is down (`tbctl link GUEST NETWORK down`).
    public var linksDown: [NICRef] = []
    /// `tbctl impair GUEST[:NETWORK]`, one entry per NIC and direction.
    public var impairments: [NICImpairment] = []
    /// `tbctl impair NETWORK --between A,B`, one entry per network and ordered host pair.
    public var paths: [PathImpairment] = []
    /// `tbctl partition A B`, in the order given; `--heal` removes them all.
    public var partitions: [Partition] = []

    public init() {}

    public var isEmpty: Bool { linksDown.isEmpty && impairments.isEmpty && paths.isEmpty && partitions.isEmpty }
}

/// A guest's NIC on a network of the testbed, e.g. `web-0:lan`.
public struct NICRef: Codable, Sendable, Hashable, Comparable, CustomStringConvertible {
    public var guest: String
    public var network: String
    public init(guest: String, network: String) { self.guest = guest; self.network = network }
    public var description: String { "\(guest):\(network)" }
    public static func < (a: NICRef, b: NICRef) -> Bool { (a.guest, a.network) < (b.guest, b.network) }
}

/// One direction, seen from the guest (or, for a network between hosts, from the first host).
public enum Way: String, Codable, Sendable, CaseIterable, Comparable {
    /// What the guest sends (netem on its NIC's egress).
    case out
    /// What the guest receives (netem on an ifb fed from its NIC's ingress).
    case `in`
    public static func < (a: Way, b: Way) -> Bool { a == .out && b == .in }
}

/// `--direction`: `out` (the default, as tc netem on an interface), `in`, or `both`.
public enum Direction: String, Sendable, CaseIterable {
    case out, `in`, both
    public var ways: [Way] {
        switch self { case .out: [.out]; case .in: [.in]; case .both: [.out, .in] }
    }
}

public struct NICImpairment: Codable, Sendable, Equatable {
    public var nic: NICRef
    public var way: Way
    public var netem: Netem
    public init(nic: NICRef, way: Way, netem: Netem) { self.nic = nic; self.way = way; self.netem = netem }
}

/// Frames of `network` from its guests on host `from` to its guests on host `to`.
public struct PathImpairment: Codable, Sendable, Equatable {
    public var network: String
    public var from: String
    public var to: String
    public var netem: Netem
    public init(network: String, from: String, to: String, netem: Netem) {
        self.network = network; self.from = from; self.to = to; self.netem = netem
    }
    public var label: String { "\(network) \(from)->\(to)" }
}

/// What a partition group names: guests, every clone of a service, every guest of a host.
public struct Member: Codable, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Codable, Sendable, CaseIterable { case guest, service, host }
    public var kind: Kind
    public var name: String
    public init(_ kind: Kind, _ name: String) { self.kind = kind; self.name = name }
    public var description: String { "\(kind.rawValue) \(name)" }
}

/// Traffic between the two groups is dropped on every network; traffic inside each group, and
/// between either group and guests in neither, is not.
public struct Partition: Codable, Sendable, Equatable {
    public var a: [Member]
    public var b: [Member]
    public init(a: [Member], b: [Member]) { self.a = a; self.b = b }
}

/// What `capture` records: one guest's NIC, or a whole network on every host that carries it.
public enum CaptureTarget: Sendable, Equatable, CustomStringConvertible {
    case nic(NICRef)
    case network(String)

    public var description: String {
        switch self {
        case .nic(let n): return "\(n)"
        case .network(let n): return "network \(n)"
        }
    }

    /// `web-0-lan.pcap`, `lan.pcap`.
    public var defaultFile: String {
        switch self {
        case .nic(let n): return "\(n.guest)-\(n.network).pcap"
        case .network(let n): return "\(n).pcap"
        }
    }
}
