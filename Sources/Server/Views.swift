/// The JSON the API answers with (docs/openapi.yaml describes the same shapes).
public struct TestbedView: Codable, Sendable {
    public var project: String
    /// When the guests' states and rates were read, seconds since the epoch.
    public var sampledAt: Double
    public var hosts: [HostView]
    public var guests: [GuestView]
    public var networks: [NetworkView]
    public var services: [ServiceView]
}

public struct HostView: Codable, Sendable {
    public var name: String
    public var master: Bool
    public var up: Bool
    public var error: String?
    /// SSH address of a remote host; nil for the master.
    public var address: String?
    public var accel: String
    public var datapath: String
    public var guests: [String]
}

public struct GuestView: Codable, Sendable {
    public var name: String
    public var host: String
    public var service: String?
    public var role: String
    /// running, paused, shutdown, shutoff, crashed; undefined (no domain), unknown (host down).
    public var state: String
    public var management: String
    /// Network name -> address on it.
    public var addresses: [String: String]
    public var cpus: Int
    public var memoryMiB: Int
    /// CPU used over the last sampling interval, percent of one core.
    public var cpuPercent: Double?
    /// Bytes per second over all NICs over the last sampling interval.
    public var rxBytesPerSecond: Double?
    public var txBytesPerSecond: Double?
}

public struct NetworkView: Codable, Sendable {
    public struct Tunnel: Codable, Sendable {
        public var hub: String
        public var spoke: String
        public var kind: String
        public var key: Int
    }
    public var name: String
    public var subnet: String
    public var gateway: String?
    public var tunnel: String
    public var vni: Int
    public var mtu: Int
    public var bridge: String
    public var hosts: [String]
    public var tunnels: [Tunnel]
}

public struct ServiceView: Codable, Sendable {
    public var name: String
    public var image: String
    public var replicas: Int
    public var clones: [String]
    /// Host where the golden image is built, when the service has a golden setup.
    public var goldenHost: String?
}

public struct GuestDetailView: Codable, Sendable {
    public struct NIC: Codable, Sendable {
        public var network: String
        public var mac: String
        public var ip: String
        /// The host side device while the guest runs.
        public var device: String?
        public var rxBytes, txBytes, rxPackets, txPackets, rxErrors, txErrors, rxDrops, txDrops: Double?
    }
    public struct Disk: Codable, Sendable {
        public var name: String
        public var readBytes, writeBytes, readRequests, writeRequests: Double?
    }
    public var guest: GuestView
    public var domain: String
    public var cpuTimeSeconds: Double?
    public var vcpus: Int?
    public var memoryCurrentBytes: Double?
    public var memoryRSSBytes: Double?
    public var nics: [NIC]
    public var disks: [Disk]
    public var history: GuestSeries
}

public struct SnapshotView: Codable, Sendable, Equatable {
    public struct Guest: Codable, Sendable, Equatable {
        public var guest: String
        public var host: String
        public var state: String
        public init(guest: String, host: String, state: String) { self.guest = guest; self.host = host; self.state = state }
    }
    public var name: String
    public var kind: String
    public var createdAt: String
    public var hosts: [String]
    public var guests: [Guest]
    public init(name: String, kind: String, createdAt: String, hosts: [String], guests: [Guest]) {
        self.name = name; self.kind = kind; self.createdAt = createdAt; self.hosts = hosts; self.guests = guests
    }
}

/// A guest's chart: parallel arrays, one entry per sample (null where no value: a guest off,
/// a counter that restarted).
public struct GuestSeries: Codable, Sendable, Equatable {
    public var t: [Double] = []
    public var cpu: [Double?] = []
    public var rx: [Double?] = []
    public var tx: [Double?] = []
    public init() {}
}

public struct ChartsView: Codable, Sendable, Equatable {
    /// Seconds between samples.
    public var interval: Double
    public var guests: [String: GuestSeries]
    public init(interval: Double, guests: [String: GuestSeries]) { self.interval = interval; self.guests = guests }
}

/// What the event stream pushes every sampling interval.
public struct LiveSample: Codable, Sendable {
    public struct Guest: Codable, Sendable {
        public var state: String
        public var cpu: Double?
        public var rx: Double?
        public var tx: Double?
    }
    public var t: Double
    public var hosts: [String: Bool]
    public var guests: [String: Guest]
}
