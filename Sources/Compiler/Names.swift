import Core

/// Names of host-side objects. Linux interface names (bridges, tunnel ports) have a 15-character
/// limit; they must also be unique per project on a host that may carry several projects.
public enum Names {
    public static let ifNameLimit = 15

    /// `tb-<project>-<part>` when it fits, else `tb` + 10 hex of a stable hash + suffix:
    /// readable where possible, unique always.
    public static func interface(project: String, part: String, suffix: String = "") -> String {
        let readable = "tb-\(project)-\(part)\(suffix)"
        if readable.count <= ifNameLimit { return readable }
        let hash = String(Digest.fnv1a64("\(project)/\(part)"), radix: 16)
        let hex = String(String(repeating: "0", count: max(0, 16 - hash.count)) + hash)
        let room = ifNameLimit - 2 - suffix.count
        return "tb" + hex.prefix(min(10, room)) + suffix
    }

    /// OVS bridge of a guest network.
    public static func bridge(project: String, network: String) -> String {
        interface(project: project, part: network)
    }

    /// Linux bridge of the per-host management network (libvirt creates it).
    public static func managementBridge(project: String) -> String {
        interface(project: project, part: "mgmt")
    }

    /// Tunnel port on a network's bridge towards the peer host with index `peer` (0-based).
    /// One port per peer per bridge, so (network, peer) is unique on a host.
    public static func tunnelPort(project: String, network: String, peer: Int) -> String {
        interface(project: project, part: "\(network)-t", suffix: "-\(peer)")
    }

    public static func domain(project: String, guest: String) -> String { "\(project)-\(guest)" }
    public static func managementNetwork(project: String) -> String { "\(project)-mgmt" }
    public static func pool(project: String) -> String { "tbctl-\(project)" }
    public static func poolPath(project: String) -> String { "/var/lib/libvirt/tbctl/\(project)" }
    public static func diskVolume(guest: String) -> String { "\(guest).qcow2" }
    public static func seedVolume(guest: String) -> String { "\(guest)-seed.iso" }
    public static func goldenBuilder(service: String) -> String { "\(service)-golden" }
}
