import Core
import Foundation

/// Names of tbctl's bridges and ports. Linux device names (bridges and internal ports are
/// devices) hold at most 15 characters, and OVS port names must be unique on a host across all
/// bridges and projects, so: a readable `tb-<project>-<network>` when it fits and can be read
/// back only one way, else the prefix plus 10 hex digits of a SHA-256 of the parts.
public enum OVSNames {
    public static let maxLength = 15

    /// The bridge of `network` in `project`: the same name on every host.
    public static func bridge(project: String, network: String) -> String {
        name("tb", project, [network])
    }

    /// The tunnel port, on a host's bridge of `network`, that leads to host `peer`.
    public static func tunnelPort(project: String, network: String, peer: String) -> String {
        name("tt", project, [network, peer])
    }

    /// The Linux bridge of the project's management NAT network (libvirt creates it): another
    /// prefix than guest networks', so a network called `mgmt` cannot take its name.
    public static func managementBridge(project: String) -> String {
        name("tm", project, [])
    }

    /// The internal port holding the network's gateway address on the host that serves it.
    public static func gatewayPort(project: String, network: String) -> String {
        name("tg", project, [network])
    }

    /// Readable only when every part after the project is free of `-`: then the name splits
    /// back one way only (project `a-b` + network `c` vs project `a` + network `b-c` would
    /// both read `tb-a-b-c`). Hashed names have no `-` after the prefix, so the two forms never
    /// meet either.
    static func name(_ prefix: String, _ project: String, _ rest: [String]) -> String {
        let readable = ([prefix, project] + rest).joined(separator: "-")
        if readable.count <= maxLength, isPlain(project), rest.allSatisfy({ isPlain($0) && !$0.contains("-") }) {
            return readable
        }
        let key = ([prefix, project] + rest).joined(separator: "\u{0}")
        return prefix + Digest.sha256Hex(Data(key.utf8)).prefix(10)
    }

    private static func isPlain(_ s: String) -> Bool {
        !s.isEmpty && s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }
}
