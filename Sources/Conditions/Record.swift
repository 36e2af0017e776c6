import Core
import Foundation
import TestbedState
import Workspace

/// `.testbed/conditions.json`: the desired conditions, and where tbctl may have changed
/// something that must be undone when a condition goes (so that clearing never has to visit
/// every guest and host of the testbed).
public struct ConditionsRecord: Codable, Sendable, Equatable {
    public static let file = "conditions.json"

    public var desired = Conditions()
    /// Guests whose NICs tbctl gave qdiscs and has not cleaned yet.
    public var shapedGuests: [String] = []
    /// NICs tbctl set down and has not set up again.
    public var downNICs: [NICRef] = []
    /// Hosts where tbctl installed partition flows and has not removed them.
    public var flowHosts: [String] = []

    public init() {}

    public var isEmpty: Bool { desired.isEmpty && shapedGuests.isEmpty && downNICs.isEmpty && flowHosts.isEmpty }

    public static func load(_ workspace: Workspace) throws -> ConditionsRecord {
        try workspace.readJSON(ConditionsRecord.self, file) ?? ConditionsRecord()
    }

    /// Whether conditions were ever set in this testbed (the file outlives them until `down`).
    public static func exists(_ workspace: Workspace) -> Bool {
        FileManager.default.fileExists(atPath: workspace.path(file))
    }

    public func save(_ workspace: Workspace) throws {
        try workspace.writeJSON(self, Self.file)
    }

    /// `down` removes the testbed, and its conditions with it.
    public static func remove(_ workspace: Workspace) throws {
        let path = workspace.path(file)
        if unlink(path) != 0 && errno != ENOENT {
            throw TBError(.io, "cannot remove \(path): \(String(cString: strerror(errno)))")
        }
    }
}

extension Conditions {
    /// The conditions on guests, networks and hosts the compiled state still has, and a note
    /// for each one dropped (a guest removed from the compose file or scaled away, a network
    /// gone). Partition members that are gone leave their group; a group left empty drops the
    /// partition.
    public func pruned(for state: TestbedState) -> (Conditions, [String]) {
        let r = Resolver(state: state)
        var notes: [String] = []
        func nicExists(_ n: NICRef) -> Bool { (try? r.nic(guest: n.guest, network: n.network)) != nil }
        var out = self
        out.linksDown = linksDown.filter { n in
            nicExists(n) || { notes.append("link of \(n) dropped: the testbed has no such NIC any more"); return false }()
        }
        out.impairments = impairments.filter { i in
            nicExists(i.nic) || { notes.append("impairment of \(i.nic) dropped: the testbed has no such NIC any more"); return false }()
        }
        out.paths = paths.filter { p in
            (try? r.hostPair(network: p.network, "\(p.from),\(p.to)")) != nil
                || { notes.append("impairment of \(p.label) dropped: the network has no guests on both hosts any more"); return false }()
        }
        out.partitions = partitions.compactMap { p in
            let q = Partition(a: p.a.filter(r.exists), b: p.b.filter(r.exists))
            for m in (p.a + p.b) where !r.exists(m) { notes.append("\(m) left its partition group: the testbed has no such \(m.kind.rawValue) any more") }
            if r.guests(q.a).isEmpty || r.guests(q.b).isEmpty {
                notes.append("partition dropped: one of its groups holds no guest any more")
                return nil
            }
            return q
        }
        return (out, notes)
    }
}
