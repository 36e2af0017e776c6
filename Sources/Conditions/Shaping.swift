import Core
import Foundation
import TestbedState

/// What one guest NIC's queueing must be for the desired impairments (docs/conditions.md):
/// netem on the egress for what the guest sends, netem on an ifb fed by the NIC's ingress for
/// what it receives, and for impairments between hosts a `prio` band per destination host,
/// chosen by destination MAC.
public struct NICShaping: Codable, Sendable, Equatable {
    public var mac: String
    /// The guest's own impairment of what it sends (all destinations).
    public var egress: Netem?
    /// Destinations that get another netem than `egress`.
    public var bands: [Band]
    public var ingress: Netem?

    public struct Band: Codable, Sendable, Equatable {
        /// Destination MACs (the network's guests on one host), sorted.
        public var macs: [String]
        /// `egress` then the host pair's impairment, as one netem.
        public var netem: Netem
        public init(macs: [String], netem: Netem) { self.macs = macs; self.netem = netem }
    }

    public init(mac: String, egress: Netem?, bands: [Band], ingress: Netem?) {
        self.mac = mac; self.egress = egress; self.bands = bands; self.ingress = ingress
    }

    public var isEmpty: Bool { egress == nil && bands.isEmpty && ingress == nil }

    /// Identifies this shaping in the guest's marker file, so that a guest that has it is
    /// left alone (a re-applied condition costs one SSH round trip, no change).
    public var fingerprint: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = (try? encoder.encode(self)) ?? Data()
        return String(Digest.sha256Hex(data).prefix(16))
    }
}

extension Conditions {
    /// Each guest's NIC shapings, for the guests that have any. Pure: from the conditions and
    /// the compiled state. Conditions on guests or networks the state no longer has are ignored
    /// (`pruned(for:)` reports them).
    public func shaping(_ state: TestbedState) -> [String: [NICShaping]] {
        var out: [String: [NICShaping]] = [:]
        for g in state.userGuests {
            let nics = g.nics.filter { !$0.isManagement }.compactMap { nic -> NICShaping? in
                let s = shaping(of: g, nic, state)
                return s.isEmpty ? nil : s
            }
            if !nics.isEmpty { out[g.name] = nics }
        }
        return out
    }

    func shaping(of g: TestbedState.Guest, _ nic: TestbedState.Guest.NIC, _ state: TestbedState) -> NICShaping {
        let ref = NICRef(guest: g.name, network: nic.network)
        let egress = impairments.first { $0.nic == ref && $0.way == .out }?.netem
        let ingress = impairments.first { $0.nic == ref && $0.way == .in }?.netem
        let bands = paths.filter { $0.network == nic.network && $0.from == g.host }.compactMap { p -> NICShaping.Band? in
            let macs = state.userGuests.filter { $0.host == p.to }
                .flatMap { $0.nics.filter { !$0.isManagement && $0.network == p.network }.map(\.mac) }.sorted()
            guard !macs.isEmpty else { return nil }
            return NICShaping.Band(macs: macs, netem: (egress ?? Netem()).then(p.netem))
        }
        return NICShaping(mac: nic.mac, egress: egress, bands: bands, ingress: ingress)
    }
}
