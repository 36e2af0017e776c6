import Vocabulary

/// The values OVS work is described in: what a host should have (`DesiredBridge`) and what it
/// has (`BridgeInfo`). Datapath and tunnel kind are the testbed's own vocabulary (Vocabulary).

extension Datapath {
    /// OVS stores the default as an empty `datapath_type`.
    public init?(ovsValue: String) {
        self.init(rawValue: ovsValue.isEmpty ? "system" : ovsValue)
    }
}

/// External-id keys tbctl puts on the bridges and interfaces it owns. Ports without
/// `tbctl-project` (guest NICs that libvirt attaches) are never planned or deleted by tbctl.
public enum OVSKeys {
    public static let project = "tbctl-project"
    public static let network = "tbctl-network"
}

/// One bridge as a host should have it.
public struct DesiredBridge: Sendable, Hashable {
    public var name: String
    public var datapath: Datapath
    public var project: String
    public var network: String
    /// tbctl-owned ports: tunnels to peers and the gateway port. Guest NICs are not listed.
    public var ports: [DesiredPort]

    public init(name: String, datapath: Datapath, project: String, network: String, ports: [DesiredPort] = []) {
        self.name = name; self.datapath = datapath; self.project = project; self.network = network
        self.ports = ports
    }

    public var externalIDs: [String: String] { [OVSKeys.project: project, OVSKeys.network: network] }
}

/// A tbctl-owned port. Its external ids always include tbctl-project (added by the plan).
public struct DesiredPort: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// A tunnel to a peer host; `key` is the network's VNI / GRE key.
        case tunnel(TunnelKind, remoteIP: String, key: Int)
        /// A host-side interface holding `address` (CIDR, e.g. 10.1.0.1/24): the network's gateway.
        /// `mtu` should be the network's guest MTU when it spans hosts, or the host would send
        /// full 1500-byte frames that the tunnels cannot carry; nil leaves OVS's choice.
        case `internal`(address: String, mtu: Int?)
    }

    public var name: String
    public var kind: Kind
    public var externalIDs: [String: String]

    public init(name: String, kind: Kind, externalIDs: [String: String] = [:]) {
        self.name = name; self.kind = kind; self.externalIDs = externalIDs
    }

    public static func tunnel(_ name: String, _ kind: TunnelKind, remoteIP: String, key: Int,
                              externalIDs: [String: String] = [:]) -> DesiredPort {
        DesiredPort(name: name, kind: .tunnel(kind, remoteIP: remoteIP, key: key), externalIDs: externalIDs)
    }

    public static func gateway(_ name: String, address: String, mtu: Int? = nil,
                               externalIDs: [String: String] = [:]) -> DesiredPort {
        DesiredPort(name: name, kind: .internal(address: address, mtu: mtu), externalIDs: externalIDs)
    }

    /// Interface `type` column value.
    public var ovsType: String {
        switch kind { case .tunnel(let k, _, _): k.rawValue; case .internal: "internal" }
    }

    /// Interface `mtu_request` column value (nil: unset, OVS picks).
    package var mtuRequest: Int? {
        if case .internal(_, let mtu) = kind { return mtu }
        return nil
    }

    /// Interface `options` column value: exactly these keys, so stale ones get dropped.
    public var ovsOptions: [String: String] {
        switch kind {
        case .tunnel(_, let ip, let key): ["remote_ip": ip, "key": String(key)]
        case .internal: [:]
        }
    }
}

/// A bridge as read from a host, with all of its ports (tbctl's and others').
public struct BridgeInfo: Sendable, Hashable {
    public var name: String
    /// Raw `datapath_type`; empty means OVS's default, `system`.
    public var datapathType: String
    public var externalIDs: [String: String]
    /// The bridge's own (local) interface: nil/negative ofport or an error means OVS failed to
    /// create the bridge's datapath, although the row exists.
    public var ofport: Int?
    public var error: String?
    public var ports: [PortInfo]

    public init(name: String, datapathType: String, externalIDs: [String: String], ofport: Int?,
                error: String?, ports: [PortInfo]) {
        self.name = name; self.datapathType = datapathType; self.externalIDs = externalIDs
        self.ofport = ofport; self.error = error; self.ports = ports
    }

    public var datapath: Datapath? { Datapath(ovsValue: datapathType) }
    public var isWorking: Bool { (ofport ?? -1) > 0 && (error ?? "").isEmpty }
    public func port(_ name: String) -> PortInfo? { ports.first { $0.name == name } }
}

/// One port (and its single interface: tbctl makes no bonds) as read from a host.
public struct PortInfo: Sendable, Hashable {
    public var name: String
    public var type: String
    public var options: [String: String]
    /// The interface's external ids (where libvirt and tbctl put theirs).
    public var externalIDs: [String: String]
    public var ofport: Int?
    public var error: String?
    public var mtuRequest: Int?
    /// For internal ports: the IPv4 addresses (CIDR) the host has on the device, and whether
    /// the link is administratively up. Empty / false for other ports.
    public var addresses: [String]
    public var isUp: Bool

    public init(name: String, type: String, options: [String: String], externalIDs: [String: String],
                ofport: Int?, error: String?, mtuRequest: Int? = nil, addresses: [String] = [], isUp: Bool = false) {
        self.name = name; self.type = type; self.options = options; self.externalIDs = externalIDs
        self.ofport = ofport; self.error = error; self.mtuRequest = mtuRequest
        self.addresses = addresses; self.isUp = isUp
    }

    public var isWorking: Bool { (ofport ?? -1) > 0 && (error ?? "").isEmpty }
    public var project: String? { externalIDs[OVSKeys.project] }
}
