import Core
import Hosts
import OVSModel
import Plan
import TestbedState
import Vocabulary

/// Everything the fake hosts hold, behind one lock (FakeLab.world). Plain values, so a test can
/// read a copy and compare.
public struct World: Sendable {
    public var hosts: [String: HostWorld] = [:]
    /// Every call made to a fake, in order.
    public var calls: [Call] = []
    var faults: [Fault] = []
    /// Hosts that disappeared: every later call to them fails.
    public var vanished: Set<String> = []
    /// Calls in flight now and at most, per operation (for concurrency limits).
    var inFlight: [String: Int] = [:]
    public var maxInFlight: [String: Int] = [:]
    var nextUUID = 1
}

/// One recorded call: which host, what operation (`domain.start`, `pool.createOverlay`,
/// `guest.exec`, ...), on what object (a domain, volume, network or guest name).
public struct Call: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var op: String
    public var object: String
    public var description: String { "\(host) \(op) \(object)" }
}

/// What one fake host has: libvirt's domains, pools and networks, the files in its pool
/// directories, its OVS bridges, and the SSH sessions opened to its guests.
public struct HostWorld: Sendable {
    public var domains: [String: DomainRecord] = [:]
    public var pools: [String: PoolRecord] = [:]
    public var networks: [String: NetworkRecord] = [:]
    /// Volume files by absolute path (a pool's volumes are the files in its directory).
    public var files: [String: VolumeFile] = [:]
    public var dirs: Set<String> = []
    public var bridges: [String: BridgeInfo] = [:]
    /// The Open_vSwitch row's external_ids (testbed records).
    public var hostRecords: [String: String] = [:]
    /// OpenFlow flows per bridge, as `ovs-ofctl add-flows` lines (`cookie=0x…,…`).
    public var flows: [String: [String]] = [:]
    /// Scripts run with `stream(script:)` (captures), in order.
    public var streamed: [String] = []
    /// The largest `widen(for:)` asked of the host, and the connections it then had.
    public var widenedFor = 0
    public var closed = 0
    /// libvirt's statistics parameters a running domain reports (`cpu.time`, `net.0.rx.bytes`),
    /// by domain name; a test sets them.
    public var stats: [String: [String: Double]] = [:]
    /// The host's CPUs (libvirt node info).
    public var cpus = 2
    /// Serial console logs by path (`Names.consoleLog`): a start replaces the domain's with
    /// one line, as libvirt's `append='off'` log is replaced.
    public var consoles: [String: String] = [:]
    /// Domains whose next N starts panic early: the console shows a kernel panic and SSH never
    /// answers.
    public var panicBoots: [String: Int] = [:]
    /// Domains whose next N starts panic with a pvpanic device: the console shows the panic,
    /// and once the vCPUs run the domain is destroyed (on_crash) with a `DomainStop` event.
    public var crashBoots: [String: Int] = [:]
    /// Domains whose guest never answers SSH (it hangs while booting).
    public var silent: Set<String> = []
    /// The host's neighbour table (`ip -4 neigh show`): IPv4 address -> (MAC, NUD state such
    /// as REACHABLE or STALE); a test sets it.
    public var neighbours: [String: (mac: String, state: String)] = [:]
    /// Addresses whose neighbour entry turns REACHABLE and STALE in turn at each read of the
    /// table: a guest answering ARP again and again, at whatever pace it is sampled.
    public var flapping: Set<String> = []
    /// CPU seconds a running domain gains at each statistics call (a slow guest that keeps
    /// busy, at whatever pace it is sampled).
    public var cpuPerRead: [String: Double] = [:]
    public init() {}
}

public struct DomainRecord: Sendable {
    public var name: String
    public var uuid: String
    /// The persistent definition.
    public var xml: String
    public var state: DomainState = .shutoff
    /// A domain undefined while running: it is gone once it stops.
    public var persistent = true
    /// Metadata elements by namespace: the persistent definition's and the running domain's.
    public var config: [String: String] = [:]
    public var live: [String: String] = [:]
    public var snapshots: [SnapshotRecord] = []
    /// What the guest has written: files uploaded over SSH (snapshots keep and restore them).
    public var guestFiles: [String: [UInt8]] = [:]
    /// Commands run in the guest, in order.
    public var execs: [String] = []
    /// MACs (lowercase) of the running domain's NICs whose link is down.
    public var linksDown: Set<String> = []
    /// The guest ignores ACPI shutdown requests.
    public var ignoresACPI = false
    /// The guest ignores `poweroff` run over SSH (the command succeeds, nothing stops).
    public var ignoresPoweroff = false
    /// Its current boot panics (pvpanic) as soon as its vCPUs run.
    public var crashPending = false
    public var isActive: Bool { state != .shutoff }

    /// A domain as someone else might have defined it (no tbctl metadata unless `xml` has it).
    public init(name: String, uuid: String, xml: String, state: DomainState = .shutoff, config: [String: String] = [:]) {
        self.name = name; self.uuid = uuid; self.xml = xml; self.state = state; self.config = config
    }
}

public struct SnapshotRecord: Sendable {
    public var name: String
    public var state: DomainState
    public var guestFiles: [String: [UInt8]]
}

public struct PoolRecord: Sendable {
    public var name: String
    public var path: String
    public var active = false
    public var autostart = false
}

public struct VolumeFile: Sendable, Equatable {
    public var format: ImageFormat
    public var capacity: UInt64
    public var allocation: UInt64
    /// Stands for the bytes: the SHA-256 of what was uploaded or copied in.
    public var content: String
    public var backingPath: String?
    public var backingFormat: ImageFormat?
    /// Internal snapshots in the file (qemu-img info), with their saved memory size.
    public var snapshots: [String: Int64] = [:]
}

public struct NetworkRecord: Sendable {
    public var name: String
    public var bridge: String
    public var active = false
    public var autostart = false
    public var dhcp: Set<Inventory.DHCPHost> = []
    public var address: NetworkAddress?

    public init(name: String, bridge: String, active: Bool = false, autostart: Bool = false,
                dhcp: Set<Inventory.DHCPHost> = [], address: NetworkAddress? = nil) {
        self.name = name; self.bridge = bridge; self.active = active; self.autostart = autostart
        self.dhcp = dhcp; self.address = address
    }
}
