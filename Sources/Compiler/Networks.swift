import ComposeModel
import Core
import TestbedState

extension Context {
    /// Guest networks: bridge name, VNI, MTU and the hosts that carry them.
    func networks(_ instances: [Instance], hosts: [TestbedState.Host],
                  placement: [String: String]) -> [TestbedState.Network] {
        var usedVNIs = Set<Int>()
        return c.networks.sorted { $0.name < $1.name }.map { spec in
            let kind = spec.tunnel
            let carriers = Set(instances.filter { inst in
                inst.role.kind != .golden && inst.spec.networks.contains { $0.network == spec.name }
            }.compactMap { placement[$0.name] })
            let vni = vni(for: spec.name, used: &usedVNIs)
            return TestbedState.Network(
                name: spec.name, subnet: spec.subnet.description, gateway: spec.gateway?.description,
                tunnel: kind, vni: vni, mtu: hosts.count > 1 ? 1500 - kind.overhead : 1500,
                bridge: Names.bridge(project: c.project, network: spec.name),
                hosts: hosts.map(\.name).filter(carriers.contains))
        }
    }

    /// A network keeps its previous VNI; a new one is hashed from (project, network), so two
    /// projects on the same hosts almost never share one (OVS refuses two identical tunnels).
    private func vni(for network: String, used: inout Set<Int>) -> Int {
        if let prev = input.previous?.network(named: network)?.vni, used.insert(prev).inserted { return prev }
        var v = Int(Digest.fnv1a64("vni/\(c.project)/\(network)") % 16_000_000) + 4096
        while !used.insert(v).inserted { v += 1 }
        return v
    }
}

extension Compiler {
    /// Each multi-host network is a star around its hub (its first host): one tunnel per spoke.
    /// A star has no cycle, so broadcasts cannot loop, without STP's convergence delay; the cost
    /// is that spoke-to-spoke traffic crosses the hub.
    static func tunnels(_ networks: [TestbedState.Network], hosts: [TestbedState.Host],
                        project: String) -> [Tunnel] {
        let ip = Dictionary(uniqueKeysWithValues: hosts.map { ($0.name, $0.tunnelIP ?? "") })
        return networks.flatMap { net -> [Tunnel] in
            guard let hub = net.hosts.first else { return [] }
            return net.hosts.dropFirst().map { spoke in
                Tunnel(network: net.name, kind: net.tunnel, key: net.vni,
                       hub: .init(host: hub, port: Names.tunnelPort(project: project, network: net.name, peer: spoke),
                                  remoteIP: ip[spoke]!),
                       spoke: .init(host: spoke, port: Names.tunnelPort(project: project, network: net.name, peer: hub),
                                    remoteIP: ip[hub]!))
            }
        }
    }
}
