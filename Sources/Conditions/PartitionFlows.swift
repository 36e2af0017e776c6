import Core
import Foundation
import TestbedState

/// The OpenFlow flows that cut partitions, per bridge (docs/conditions.md#partitions): one
/// conjunction per partition and direction, `dl_src` in one group and `dl_dst` in the other,
/// dropped. Every flow carries a cookie whose high half marks it as tbctl's partition flow and
/// whose low half is a digest of the bridge's whole flow set, so that one `dump-flows` tells
/// whether a bridge has exactly the desired set.
public struct PartitionFlows: Sendable, Equatable {
    /// The high 32 bits of every partition flow's cookie ("tbcp").
    public static let tag: UInt64 = 0x7462_6370_0000_0000
    public static let mask: UInt64 = 0xffff_ffff_0000_0000
    static let priority = 1000

    /// The flow specs, as ovs-ofctl's add-flows reads them, without the cookie.
    public var flows: [String]

    public init(flows: [String]) { self.flows = flows }

    public var isEmpty: Bool { flows.isEmpty }

    public var cookie: UInt64 {
        PartitionFlows.tag | UInt64(Digest.sha256Hex(Data(flows.joined(separator: "\n").utf8)).prefix(8), radix: 16)!
    }

    /// What `ovs-ofctl --bundle add-flows BRIDGE -` reads to replace the bridge's partition
    /// flows with these, atomically (none: only the delete).
    public var bundle: String {
        var lines = ["delete " + Self.match]
        lines += flows.map { "add cookie=0x" + String(cookie, radix: 16) + "," + $0 }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `TAG/MASK`: every partition flow of tbctl, whatever its digest (ovs-ofctl's cookie match).
    public static var cookieMatch: String { "0x" + String(tag, radix: 16) + "/0x" + String(mask, radix: 16) }
    /// `cookie=TAG/MASK`.
    public static var match: String { "cookie=" + cookieMatch }

    /// Whether a bridge whose partition flows have these cookies (one per flow) has this set.
    public func matches(cookies: [UInt64]) -> Bool {
        cookies.count == flows.count && cookies.allSatisfy { $0 == cookie }
    }
}

extension Conditions {
    /// Per host, per bridge of the testbed's networks on that host: the partition flows it
    /// must have (empty sets included, so that healed bridges are cleaned). Pure.
    public func partitionFlows(_ state: TestbedState) -> [String: [String: PartitionFlows]] {
        let resolver = Resolver(state: state)
        let groups = partitions.map { (resolver.guests($0.a), resolver.guests($0.b)) }
        var out: [String: [String: PartitionFlows]] = [:]
        for net in state.networks {
            let flows = PartitionFlows(flows: Self.flows(network: net.name, groups: groups, state: state))
            for host in net.hosts { out[host, default: [:]][net.bridge] = flows }
        }
        return out
    }

    static func flows(network: String, groups: [(Set<String>, Set<String>)], state: TestbedState) -> [String] {
        func macs(_ guests: Set<String>) -> [String] {
            state.userGuests.filter { guests.contains($0.name) }
                .flatMap { $0.nics.filter { !$0.isManagement && $0.network == network }.map(\.mac) }.sorted()
        }
        // A MAC may be in several conjunctions: one flow per match, listing all of them
        // (two flows with one match and priority would be one flow to OVS).
        var actions: [String: [String]] = [:]
        var drops: [String] = []
        var id = 0
        for (a, b) in groups {
            let (ma, mb) = (macs(a), macs(b))
            guard !ma.isEmpty, !mb.isEmpty else { id += 2; continue }
            for (src, dst) in [(ma, mb), (mb, ma)] {
                id += 1
                for m in src { actions["dl_src=" + m, default: []].append("conjunction(\(id),1/2)") }
                for m in dst { actions["dl_dst=" + m, default: []].append("conjunction(\(id),2/2)") }
                drops.append("priority=\(PartitionFlows.priority),conj_id=\(id),actions=drop")
            }
        }
        let matches = actions.keys.sorted().map { "priority=\(PartitionFlows.priority),\($0),actions=" + actions[$0]!.joined(separator: ",") }
        return matches + drops
    }
}
