import Core
import OVS
import TestbedState

/// The OVS bridges and tunnel ports a host should have for the project, in the same shape as
/// `Inventory.bridges`: bridge -> port -> "kind remote_ip key" for tunnels, "internal address/prefix"
/// for a network's gateway port (on the network's hub host).
public func desiredBridges(_ state: TestbedState, host: String) -> [String: [String: String]] {
    var out: [String: [String: String]] = [:]
    for net in state.networks where net.hosts.contains(host) {
        out[net.bridge] = [:]
        if let gw = net.gateway, net.hosts.first == host, let prefix = Subnet(net.subnet)?.prefix {
            out[net.bridge]![OVSNames.gatewayPort(project: state.project, network: net.name)] = "internal \(gw)/\(prefix)"
        }
    }
    for t in state.tunnels {
        let bridge = state.network(named: t.network)!.bridge
        for end in [t.hub, t.spoke] where end.host == host {
            out[bridge, default: [:]][end.port] = "\(t.kind.rawValue) \(end.remoteIP) \(t.key)"
        }
    }
    return out
}

/// Human-readable differences between desired and actual bridges (empty when they agree).
public func bridgeDifferences(desired: [String: [String: String]], actual: [String: [String: String]]) -> [String] {
    var out: [String] = []
    for (bridge, ports) in desired.sorted(by: { $0.key < $1.key }) {
        let have = actual[bridge]
        if have == nil { out.append("add bridge \(bridge)") }
        for (port, spec) in ports.sorted(by: { $0.key < $1.key }) where have?[port] != spec {
            out.append(have?[port] == nil ? "add port \(port) (\(spec))" : "update port \(port) (\(spec))")
        }
        for port in (have ?? [:]).keys.sorted() where ports[port] == nil { out.append("remove port \(port)") }
    }
    for bridge in actual.keys.sorted() where desired[bridge] == nil { out.append("remove bridge \(bridge)") }
    return out
}
