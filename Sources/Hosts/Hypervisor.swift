import Core
import Metrics
import Plan
import TestbedState
import Vocabulary

// libvirt on one host, as far as tbctl uses it: domains (define, lifecycle, metadata,
// snapshots), the project's storage pool and its volumes, the management network. Objects
// are handles: each call may fail like the libvirt call it stands for (a domain undefined
// meanwhile, a host gone).

public protocol Hypervisor: Sendable {
    func domain(named name: String) async throws -> (any DomainHandle)?
    func allDomains() async throws -> [any DomainHandle]
    /// Defines (or, with the existing domain's `<uuid>` in the XML, redefines) a domain.
    func defineDomain(xml: String) async throws -> any DomainHandle
    /// Waits, driven by lifecycle events, until domain `name` is in `state`; a domain that is
    /// gone counts as shut off. Throws `.timeout` after `timeout`.
    func waitForState(_ name: String, _ state: DomainState, timeout: Duration) async throws

    func storagePool(named name: String) async throws -> (any PoolHandle)?
    /// Defines a directory pool (not built, not started).
    func defineStoragePool(name: String, path: String) async throws -> any PoolHandle

    func network(named name: String) async throws -> (any NetworkHandle)?
    /// Defines (does not start) the host's management NAT network with these DHCP entries.
    func defineManagementNetwork(_ management: Host.Management, dhcpHosts: [Inventory.DHCPHost]) async throws -> any NetworkHandle

    /// Statistics of every domain (state, CPU, memory, vCPUs, NICs with their MAC, disks) in
    /// one call that does not wait on a domain whose monitor is busy (libvirt's
    /// virConnectGetAllDomainStats with NOWAIT).
    func allDomainStats() async throws -> [DomainStats]

    /// The host's active logical CPUs (libvirt's node info): how many guests may boot at once.
    func nodeCPUs() async throws -> Int

    /// Domains that stop on their own (a kernel panic told by pvpanic, QEMU failing, a
    /// poweroff from inside), from the moment this returns until the stream is dropped or the
    /// connection ends. A domain stopped through the API (destroy, shutdown) is not reported.
    func domainStops() async throws -> AsyncStream<DomainStop>
}

/// libvirt's domain states (virDomainState).
public enum DomainState: String, Sendable, CaseIterable {
    case nostate, running, blocked, paused, shutdown, shutoff, crashed, pmsuspended
}

/// Which definition a metadata call reads or writes: the running domain's, the persistent
/// one, or whichever the domain has now.
public enum MetadataScope: Sendable { case current, live, config }

public protocol DomainHandle: Sendable {
    var name: String { get }
    var uuid: String { get }
    func state() async throws -> DomainState
    func isActive() async throws -> Bool
    /// Starts the domain; with `paused` its QEMU process is created with the vCPUs stopped.
    func start(paused: Bool) async throws
    /// An ACPI shutdown request (the guest decides).
    func shutdown() async throws
    /// Power off at once.
    func destroy() async throws
    func suspend() async throws
    func resume() async throws
    /// Removes the definition, with its managed save and snapshot metadata.
    func undefine() async throws
    /// The metadata element in namespace `uri` (nil when there is none).
    func metadata(uri: String, _ scope: MetadataScope) async throws -> String?
    func setMetadata(_ xml: String, key: String, uri: String, _ scope: MetadataScope) async throws
    func snapshots() async throws -> [any SnapshotHandle]
    func snapshot(named name: String) async throws -> (any SnapshotHandle)?
    /// An internal snapshot: disk and, for a running or paused domain, memory.
    func createSnapshot(name: String, description: String) async throws -> any SnapshotHandle
    /// The domain's XML as libvirt has it now: for a running domain the live one, with its
    /// taps (`<target dev='vnetN'/>`) and NICs' link states.
    func xml() async throws -> String
    /// Changes a device of the running domain in place (a NIC's `<link state='down'/>`): `xml`
    /// is the device as the domain has it, with only what changes changed.
    func updateDevice(xml: String) async throws
    /// The domain's serial console (`tbctl console`); `force` takes it over from another session.
    func openConsole(force: Bool) async throws -> any ConsoleSession
}

/// An interactive serial console session. Its calls block: drive each direction from a
/// thread of its own, never from Swift's cooperative pool.
public protocol ConsoleSession: Sendable {
    /// The console's next output; empty once the session ended (guest off, or `abort`).
    func receive(max: Int) throws -> [UInt8]
    func send(_ bytes: [UInt8]) throws
    /// Ends the session; a `receive` blocked in another thread returns.
    func abort()
}

extension DomainHandle {
    public func metadata(uri: String) async throws -> String? { try await metadata(uri: uri, .current) }
}

public protocol SnapshotHandle: Sendable {
    var name: String { get }
    /// Back to the snapshot; with `paused` the domain is left paused (vCPUs stopped), else in
    /// the state the snapshot recorded.
    func revert(paused: Bool) async throws
    /// Deletes the snapshot; `metadataOnly` forgets libvirt's record and leaves the disk's data.
    func delete(metadataOnly: Bool) async throws
}

public protocol PoolHandle: Sendable {
    var name: String { get }
    func isActive() async throws -> Bool
    /// Makes the pool's directory.
    func build() async throws
    /// Starts the pool.
    func create() async throws
    func setAutostart(_ on: Bool) async throws
    /// Reads the directory again (files changed outside libvirt, a fresh upload's header).
    func refresh() async throws
    /// Stops the pool.
    func destroy() async throws
    /// Removes the pool's directory (the pool must be stopped).
    func delete() async throws
    func undefine() async throws
    func volumes() async throws -> [any VolumeHandle]
    func volume(named name: String) async throws -> (any VolumeHandle)?
    /// An empty raw volume of `bytes`, to upload into.
    func createRawVolume(named name: String, bytes: Int64) async throws -> any VolumeHandle
    /// A qcow2 overlay (linked clone) of `backingPath`, read as `backingFormat` (never probed).
    func createOverlay(named name: String, capacity: Int64, backingPath: String,
                       backingFormat: ImageFormat) async throws -> any VolumeHandle
}

public struct VolumeInfo: Sendable, Equatable {
    /// Virtual size in bytes.
    public var capacity: UInt64
    /// Bytes the file takes on disk.
    public var allocation: UInt64
    public init(capacity: UInt64, allocation: UInt64) { self.capacity = capacity; self.allocation = allocation }
}

public protocol VolumeHandle: Sendable {
    var name: String { get }
    func path() async throws -> String
    func info() async throws -> VolumeInfo
    /// The backing file of an overlay (nil for a plain image).
    func backingStorePath() async throws -> String?
    func delete() async throws
    /// Overwrites the volume with a local file's bytes (sparse: holes are not sent).
    func upload(fromFile path: String) async throws -> TransferStats
    /// Copies this volume into `destination`, which may be on another host (sparse).
    func copy(to destination: any VolumeHandle) async throws -> TransferStats
}

/// A network's `<ip address netmask>`: what tells whether a management network left on a host
/// is the one the state wants.
public struct NetworkAddress: Equatable, Sendable, CustomStringConvertible {
    public var address: String
    public var netmask: String
    public init(address: String, netmask: String) { self.address = address; self.netmask = netmask }
    public var description: String { "\(address) netmask \(netmask)" }
}

extension Host.Management {
    /// The address and netmask the management network's definition gives the host.
    public func hostAddress() throws -> NetworkAddress {
        guard let subnet = Subnet(subnet) else {
            throw TBError(.internalError, "management subnet \(self.subnet) in the state is not a subnet")
        }
        return NetworkAddress(address: gateway, netmask: "\(IPv4(raw: subnet.mask))")
    }
}

public protocol NetworkHandle: Sendable {
    var name: String { get }
    func isActive() async throws -> Bool
    /// Starts the network.
    func create() async throws
    func setAutostart(_ on: Bool) async throws
    /// Stops the network.
    func destroy() async throws
    func undefine() async throws
    /// The host's own address on the network and its netmask (nil: the network has none).
    func hostAddress() async throws -> NetworkAddress?
    /// The DHCP server's fixed addresses.
    func dhcpHosts() async throws -> Set<Inventory.DHCPHost>
    /// Adds or removes one fixed address, live and in the persistent definition, without
    /// restarting the network.
    func updateDHCPHost(_ entry: Inventory.DHCPHost, add: Bool) async throws
}
