import Core
import OVSModel

/// How each change is said to ovs-vsctl: the commands of one transaction, in OVS's value syntax,
/// after checking the names and values that would otherwise reach the command line.
extension OVSChange {
    /// The ovs-vsctl commands for this change (each one `--`-separated in the transaction).
    func vsctlCommands() throws -> [[String]] {
        switch self {
        case .addBridge(let name, let dp, let ids), .updateBridge(let name, let dp, let ids, _):
            try OVSChange.validateName(name)
            // datapath_type is always set explicitly: `add-br` alone means `system`, which is
            // what leaves a broken bridge behind on hosts without the kernel module.
            return [["--may-exist", "add-br", name],
                    ["set", "bridge", name, "datapath_type=\(dp.rawValue)"] + OVSChange.mapEntries("external_ids", ids)]
        case .deleteBridge(let name):
            return [["--if-exists", "del-br", name]]
        case .addPort(let bridge, let port), .updatePort(let bridge, let port, _):
            try OVSChange.validate(port)
            // `--may-exist add-port` keeps an existing port; the `set` then makes its type and
            // options exactly what we want (options replaced whole), external ids merged.
            return [["--may-exist", "add-port", bridge, port.name],
                    ["set", "interface", port.name, "type=\(port.ovsType)", "options=" + OVSChange.map(port.ovsOptions),
                     "mtu_request=" + (port.mtuRequest.map(String.init) ?? "[]")]
                        + OVSChange.mapEntries("external_ids", port.externalIDs)]
        case .deletePort(let bridge, let port):
            return [["--if-exists", "del-port", bridge, port]]
        }
    }
}

extension OVSChange {
    /// ovs-vsctl's string syntax: double-quoted, JSON-style escapes. Always quoting means a
    /// value with a space, comma or brace can never change the command's meaning.
    static func quote(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// `{"k"="v", ...}`: a whole map value, replacing what the column held.
    static func map(_ m: [String: String]) -> String {
        "{" + m.sorted { $0.key < $1.key }.map { "\(quote($0.key))=\(quote($0.value))" }.joined(separator: ",") + "}"
    }

    /// `column:"k"="v"` per entry: sets these keys and keeps any others (libvirt's, an admin's).
    static func mapEntries(_ column: String, _ m: [String: String]) -> [String] {
        m.sorted { $0.key < $1.key }.map { "\(column):\(quote($0.key))=\(quote($0.value))" }
    }

    /// Bridge and port names become Linux device names (bridges, internal ports): at most 15
    /// characters, and nothing a shell or ovs-vsctl would read specially.
    static func validateName(_ name: String) throws {
        guard !name.isEmpty, name.count <= OVSNames.maxLength,
              name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else {
            throw TBError(.invalidInput, "invalid OVS bridge/port name '\(name)' (1-\(OVSNames.maxLength) characters of A-Z a-z 0-9 - _ .)")
        }
    }

    static func validate(_ port: DesiredPort) throws {
        try validateName(port.name)
        switch port.kind {
        case .tunnel(let kind, let ip, let key):
            guard IPv4(ip) != nil else {
                throw TBError(.invalidInput, "tunnel port \(port.name): remote_ip '\(ip)' is not an IPv4 address")
            }
            guard (0...kind.maxKey).contains(key) else {
                throw TBError(.invalidInput, "tunnel port \(port.name): \(kind.rawValue) key \(key) is outside 0...\(kind.maxKey)")
            }
        case .internal(let address, let mtu):
            guard parseCIDR(address) != nil else {
                throw TBError(.invalidInput, "port \(port.name): address '\(address)' is not IPv4/prefix (e.g. 10.1.0.1/24)")
            }
            guard (68...65535).contains(mtu ?? 1500) else {
                throw TBError(.invalidInput, "port \(port.name): MTU \(mtu ?? 0) is outside 68...65535")
            }
        }
    }
}

