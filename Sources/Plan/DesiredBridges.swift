import Core
import OVSModel
import TestbedState

/// The OVS bridges a host should have for the project: one per network that reaches the host,
/// with the tunnel ends to its peers and, on the network's hub host, the gateway port. The
/// planner compares them with what the host reports (`OVSPlan.plan`), and `up` applies the
/// same comparison, so `plan` and `up` cannot disagree about what OVS needs.
public func desiredBridges(_ state: TestbedState, host: Host) -> [DesiredBridge] {
    state.networks.filter { $0.hosts.contains(host.name) }.map { net in
        var ports: [DesiredPort] = state.tunnels.filter { $0.network == net.name }.flatMap { t in
            [t.hub, t.spoke].filter { $0.host == host.name }.map { end in
                DesiredPort.tunnel(end.port, t.kind, remoteIP: end.remoteIP, key: t.key)
            }
        }
        if let gw = net.gateway, net.hosts.first == host.name, let prefix = Subnet(net.subnet)?.prefix {
            ports.append(.gateway(OVSNames.gatewayPort(project: state.project, network: net.name),
                                  address: "\(gw)/\(prefix)", mtu: net.mtu))
        }
        return DesiredBridge(name: net.bridge, datapath: host.datapath, project: state.project, network: net.name, ports: ports)
    }
}
