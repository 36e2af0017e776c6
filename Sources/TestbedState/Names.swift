import OVSModel

/// Names of host-side objects. The compiler gives them to the state, and `up` finds what a
/// removed guest left (its disk and seed) by the same rules. Interface names (bridges, tunnel
/// ports) follow OVSNames: at most 15 characters, unique per project, readable when that is
/// unambiguous.
public enum Names {
    /// OVS bridge of a guest network.
    public static func bridge(project: String, network: String) -> String {
        OVSNames.bridge(project: project, network: network)
    }

    /// Linux bridge of the per-host management network (libvirt creates it).
    public static func managementBridge(project: String) -> String {
        OVSNames.managementBridge(project: project)
    }

    /// Tunnel port on a network's bridge towards host `peer`.
    public static func tunnelPort(project: String, network: String, peer: String) -> String {
        OVSNames.tunnelPort(project: project, network: network, peer: peer)
    }

    public static func domain(project: String, guest: String) -> String { "\(project)-\(guest)" }
    public static func managementNetwork(project: String) -> String { "\(project)-mgmt" }
    public static func pool(project: String) -> String { "tbctl-\(project)" }
    public static func poolPath(project: String) -> String { "/var/lib/libvirt/tbctl/\(project)" }
    public static func diskVolume(guest: String) -> String { "\(guest).qcow2" }
    public static func seedVolume(guest: String) -> String { "\(guest)-seed.iso" }
    /// The serial console's log file on the guest's host (libvirt replaces it at every start).
    public static func consoleLog(domain: String) -> String { "/var/log/libvirt/qemu/\(domain)-serial.log" }
    public static func goldenBuilder(service: String) -> String { "\(service)-golden" }
}
