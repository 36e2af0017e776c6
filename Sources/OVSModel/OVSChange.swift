import Core
import Vocabulary

/// One step towards the desired OVS state on a host. `plan` produces them, `tbctl plan` shows
/// them (their descriptions), and `OVSSwitch.apply` runs a list of them as one ovs-vsctl
/// transaction. Every step is idempotent, so re-running a half-applied list is safe.
public enum OVSChange: Sendable, Hashable, CustomStringConvertible {
    case addBridge(name: String, datapath: Datapath, externalIDs: [String: String])
    /// The bridge exists but its datapath or external ids differ, or OVS failed to set it up.
    case updateBridge(name: String, datapath: Datapath, externalIDs: [String: String], reason: String)
    case deleteBridge(name: String)
    case addPort(bridge: String, DesiredPort)
    /// The port exists but its type, options or external ids differ, its address is missing,
    /// or OVS reports it broken.
    case updatePort(bridge: String, DesiredPort, reason: String)
    case deletePort(bridge: String, port: String)

    public var description: String {
        switch self {
        case .addBridge(let name, let dp, let ids):
            "+ bridge \(name) (datapath \(dp.rawValue)\(ids[OVSKeys.network].map { ", network \($0)" } ?? ""))"
        case .updateBridge(let name, _, _, let reason): "~ bridge \(name): \(reason)"
        case .deleteBridge(let name): "- bridge \(name)"
        case .addPort(let bridge, let port): "+ port \(port.name) on \(bridge): \(port.kind)"
        case .updatePort(let bridge, let port, let reason): "~ port \(port.name) on \(bridge): \(reason)"
        case .deletePort(let bridge, let port): "- port \(port) on \(bridge)"
        }
    }

    /// Order within a transaction: removals first, so a port can move to another bridge and a
    /// bridge can be re-created in the same call; then bridges before their ports.
    package var phase: Int {
        switch self {
        case .deletePort: 0
        case .deleteBridge: 1
        case .addBridge, .updateBridge: 2
        case .addPort, .updatePort: 3
        }
    }

    /// The bridge this change creates or re-configures, for verification.
    package var ensuredBridge: String? {
        switch self {
        case .addBridge(let name, _, _), .updateBridge(let name, _, _, _): name
        default: nil
        }
    }

    /// The port this change creates or re-configures, for verification and address setup.
    package var ensuredPort: (bridge: String, port: DesiredPort)? {
        switch self {
        case .addPort(let bridge, let port), .updatePort(let bridge, let port, _): (bridge, port)
        default: nil
        }
    }
}

extension DesiredPort.Kind: CustomStringConvertible {
    public var description: String {
        switch self {
        case .tunnel(let kind, let ip, let key): "\(kind.rawValue) to \(ip) key \(key)"
        case .internal(let address, let mtu): "internal \(address)" + (mtu.map { " mtu \($0)" } ?? "")
        }
    }
}

/// An interface address in CIDR form: host bits may be set (unlike a subnet).
package func parseCIDR(_ s: String) -> (ip: IPv4, prefix: Int)? {
    let parts = s.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 2, let ip = IPv4(parts[0]), parts[1].allSatisfy(\.isNumber),
          let p = Int(parts[1]), (0...32).contains(p) else { return nil }
    return (ip, p)
}
