import Core
import Vocabulary

/// Computes the OVS changes that take a host from what it has to what it should have. Pure, so
/// `tbctl plan` can show it without touching anything, and `up` applies exactly that list.
public enum OVSPlan {
    /// - desired: every bridge of one project this host should have, with its tbctl ports.
    /// - actual: `OVSSwitch.bridges(project:)` for the same project on the same host.
    /// Bridges of the project that are not desired are deleted; so are tbctl-owned ports (those
    /// with a tbctl-project external id) that are not desired. Other ports, such as the guest
    /// NICs libvirt attaches, are left alone. An empty result means the host is as desired.
    public static func plan(desired: [DesiredBridge], actual: [BridgeInfo]) -> [OVSChange] {
        let wanted = Set(desired.map(\.name))
        let byName = Dictionary(actual.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let bridgeRemovals: [OVSChange] = actual.filter { !wanted.contains($0.name) }.map { .deleteBridge(name: $0.name) }
        var portRemovals: [OVSChange] = []
        var bridges: [OVSChange] = []
        var ports: [OVSChange] = []
        for d in desired {
            let owned = d.ports.map { $0.owned(by: d.project) }
            guard let a = byName[d.name] else {
                bridges.append(.addBridge(name: d.name, datapath: d.datapath, externalIDs: d.externalIDs))
                ports += owned.map { .addPort(bridge: d.name, $0) }
                continue
            }
            if let reason = difference(d, a) {
                bridges.append(.updateBridge(name: d.name, datapath: d.datapath, externalIDs: d.externalIDs, reason: reason))
            }
            portRemovals += strayPorts(of: a, keeping: Set(owned.map(\.name))).map { .deletePort(bridge: d.name, port: $0) }
            for p in owned {
                if let ap = a.port(p.name) {
                    if let reason = difference(p, ap) { ports.append(.updatePort(bridge: d.name, p, reason: reason)) }
                } else {
                    ports.append(.addPort(bridge: d.name, p))
                }
            }
        }
        // Port removals before bridge removals before additions: see OVSChange.phase.
        return portRemovals + bridgeRemovals + bridges + ports
    }

    /// tbctl-owned ports on a bridge that the desired state does not list.
    static func strayPorts(of bridge: BridgeInfo, keeping: Set<String>) -> [String] {
        bridge.ports.filter { $0.project != nil && $0.name != bridge.name && !keeping.contains($0.name) }.map(\.name)
    }

    /// Why an existing bridge needs re-configuring, or nil when it is as desired.
    static func difference(_ d: DesiredBridge, _ a: BridgeInfo) -> String? {
        var why: [String] = []
        if a.datapath != d.datapath {
            why.append("datapath \(a.datapathType.isEmpty ? "system (default)" : a.datapathType) -> \(d.datapath.rawValue)")
        }
        why += idDifferences(d.externalIDs, a.externalIDs)
        if !a.isWorking { why.append("not working in OVS (\(health(a.ofport, a.error)))") }
        return why.isEmpty ? nil : why.joined(separator: "; ")
    }

    /// Why an existing port needs re-configuring, or nil when it is as desired.
    static func difference(_ d: DesiredPort, _ a: PortInfo) -> String? {
        var why: [String] = []
        if a.type != d.ovsType { why.append("type \(a.type.isEmpty ? "system" : a.type) -> \(d.ovsType)") }
        let want = d.ovsOptions
        for key in Set(want.keys).union(a.options.keys).sorted() where want[key] != a.options[key] {
            why.append("\(key) \(a.options[key] ?? "unset") -> \(want[key] ?? "unset")")
        }
        why += idDifferences(d.externalIDs, a.externalIDs)
        if a.mtuRequest != d.mtuRequest {
            why.append("mtu_request \(a.mtuRequest.map(String.init) ?? "unset") -> \(d.mtuRequest.map(String.init) ?? "unset")")
        }
        if case .internal(let address, _) = d.kind { why += addressDifferences(address, a) }
        if !a.isWorking { why.append("not working in OVS (\(health(a.ofport, a.error)))") }
        return why.isEmpty ? nil : why.joined(separator: "; ")
    }

    /// Desired external ids must be present; extra keys (libvirt's, an admin's) are fine.
    static func idDifferences(_ want: [String: String], _ have: [String: String]) -> [String] {
        want.sorted { $0.key < $1.key }.compactMap { k, v in
            have[k] == v ? nil : "external_ids:\(k) \(have[k] ?? "unset") -> \(v)"
        }
    }

    /// A gateway port must hold exactly its address and be up (a host reboot keeps OVS's
    /// database, so the port comes back, but not the address OVS knows nothing about).
    static func addressDifferences(_ address: String, _ a: PortInfo) -> [String] {
        let want = normalizedCIDR(address)
        var why: [String] = []
        if !a.addresses.contains(want) { why.append("address \(want) missing") }
        let stale = a.addresses.filter { $0 != want }
        if !stale.isEmpty { why.append("stale address \(stale.joined(separator: ", "))") }
        if !a.isUp { why.append("link down") }
        return why
    }

    package static func health(_ ofport: Int?, _ error: String?) -> String {
        let port = ofport.map { "ofport \($0)" } ?? "no ofport"
        return error.map { !$0.isEmpty ? "\(port), error: \($0)" : port } ?? port
    }
}

extension DesiredPort {
    /// The port as tbctl creates it: marked with its project, which is what makes it tbctl's.
    public func owned(by project: String) -> DesiredPort {
        var p = self
        p.externalIDs[OVSKeys.project] = project
        return p
    }
}

/// "10.1.0.1/24" in the form `ip -j addr` reports it, so desired and actual compare equal.
package func normalizedCIDR(_ s: String) -> String {
    parseCIDR(s).map { "\($0.ip)/\($0.prefix)" } ?? s
}
