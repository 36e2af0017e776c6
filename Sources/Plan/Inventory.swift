import OVSModel
import TestbedState

/// What one host really has of the project, read before planning (concurrently per host).
public struct Inventory: Sendable, Equatable {
    public struct Volume: Sendable, Equatable {
        public var name: String
        /// Path of the backing file, for overlays.
        public var backingPath: String?
        public var capacityBytes: Int64
        public init(name: String, backingPath: String?, capacityBytes: Int64) {
            self.name = name; self.backingPath = backingPath; self.capacityBytes = capacityBytes
        }
    }

    public enum DomainState: String, Sendable, Equatable, Codable {
        case running, paused, shutoff, other
    }

    public struct Domain: Sendable, Equatable {
        public var name: String
        public var state: DomainState
        /// SHA-256 of the domain XML tbctl defined it from (kept in the domain's persistent
        /// metadata).
        public var configDigest: String?
        /// The same for the definition a running domain was started from (its live metadata;
        /// libvirt applies a redefinition at the next boot). nil when not running.
        public var liveDigest: String?
        public init(name: String, state: DomainState, configDigest: String?, liveDigest: String? = nil) {
            self.name = name; self.state = state; self.configDigest = configDigest
            self.liveDigest = liveDigest ?? (state == .running ? configDigest : nil)
        }
    }

    /// One fixed address of the management network's DHCP server.
    public struct DHCPHost: Sendable, Hashable {
        public var mac: String
        public var name: String
        public var ip: String
        public init(mac: String, name: String, ip: String) { self.mac = mac; self.name = name; self.ip = ip }
        /// The entry a guest should have: its management MAC, name and address.
        public init(_ g: Guest) { self.init(mac: g.managementNIC.mac, name: g.name, ip: g.managementIP) }
    }

    public var host: String
    /// nil: the pool does not exist; false: defined but not started.
    public var poolActive: Bool?
    public var volumes: [String: Volume]
    /// nil: missing; false: defined but not started.
    public var managementActive: Bool?
    /// The management network has another address than the state's (a changed `management:`
    /// or a leftover of an older testbed of the same name): it is made again.
    public var managementStale = false
    /// The management network's DHCP entries (empty when it is missing).
    public var dhcpHosts: Set<DHCPHost>
    /// Domains carrying this project's metadata.
    public var domains: [String: Domain]
    /// OVS bridges of the project, as `OVSSwitch.bridges(project:)` reports them.
    public var bridges: [BridgeInfo]

    public init(host: String, poolActive: Bool? = nil, volumes: [String: Volume] = [:], managementActive: Bool? = nil,
                dhcpHosts: Set<DHCPHost> = [], domains: [String: Domain] = [:], bridges: [BridgeInfo] = []) {
        self.host = host; self.poolActive = poolActive; self.volumes = volumes
        self.managementActive = managementActive; self.dhcpHosts = dhcpHosts; self.domains = domains; self.bridges = bridges
    }
}

/// What tbctl itself recorded as done (`.testbed/applied.json`): facts libvirt cannot tell,
/// such as "this upload completed" or "the setup script ran on this disk".
public struct AppliedRecord: Codable, Sendable, Equatable {
    public struct Setup: Codable, Sendable, Equatable {
        public var digest: String
        public var at: String
        public init(digest: String, at: String) { self.digest = digest; self.at = at }
    }
    /// host -> volume -> digest of the content tbctl put there (uploads, seeds, golden images).
    public var volumes: [String: [String: String]] = [:]
    /// guest -> setup script run on its current disk.
    public var setup: [String: Setup] = [:]
    public init() {}

    public func volume(_ host: String, _ name: String) -> String? { volumes[host]?[name] }
    public mutating func setVolume(_ host: String, _ name: String, _ digest: String?) {
        volumes[host, default: [:]][name] = digest
    }
}
