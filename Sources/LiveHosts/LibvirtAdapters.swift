import Core
import Hosts
import Libvirt
import Plan
import TestbedState
import Vocabulary

// The Hosts protocols over the Libvirt target's objects: thin wrappers, one libvirt call per
// method, plus the XML documents the protocols spare their callers.

struct LiveHypervisor: Hypervisor {
    let connection: LibvirtConnection
    /// The host's tap -> MAC map for `allDomainStats` (kept by LiveHost across calls).
    let macs: InterfaceMACCache
    init(_ connection: LibvirtConnection, macs: InterfaceMACCache = InterfaceMACCache()) {
        self.connection = connection; self.macs = macs
    }

    func domain(named name: String) async throws -> (any DomainHandle)? {
        try await connection.domain(named: name).map(LiveDomain.init)
    }

    func nodeCPUs() async throws -> Int {
        try await connection.nodeInfo().cpus
    }

    func allDomains() async throws -> [any DomainHandle] {
        try await connection.allDomains().map(LiveDomain.init)
    }

    func defineDomain(xml: String) async throws -> any DomainHandle {
        LiveDomain(try await connection.defineDomain(xml: xml))
    }

    func waitForState(_ name: String, _ state: Hosts.DomainState, timeout: Duration) async throws {
        try await connection.waitForState(name, state.libvirt, timeout: timeout)
    }

    func domainStops() async throws -> AsyncStream<DomainStop> {
        let events = try await connection.lifecycleEvents()
        let (stream, out) = AsyncStream.makeStream(of: DomainStop.self)
        let relay = Task {
            for await e in events {
                if let reason = e.stopReason { out.yield(DomainStop(domain: e.domainName, why: .init(reason))) }
            }
            out.finish()
        }
        out.onTermination = { _ in relay.cancel() }
        return stream
    }

    func storagePool(named name: String) async throws -> (any PoolHandle)? {
        try await connection.storagePool(named: name).map(LivePool.init)
    }

    func defineStoragePool(name: String, path: String) async throws -> any PoolHandle {
        LivePool(try await connection.defineStoragePool(xml: LibvirtXML.pool(name: name, path: path)))
    }

    func network(named name: String) async throws -> (any NetworkHandle)? {
        try await connection.network(named: name).map(LiveNetwork.init)
    }

    func defineManagementNetwork(_ management: TestbedState.Host.Management, dhcpHosts: [Inventory.DHCPHost]) async throws -> any NetworkHandle {
        LiveNetwork(try await connection.defineNetwork(xml: try LibvirtXML.managementNetwork(management, dhcpHosts: dhcpHosts)))
    }
}

struct LiveDomain: DomainHandle {
    let domain: Domain
    init(_ domain: Domain) { self.domain = domain }

    var name: String { domain.name }
    var uuid: String { domain.uuid }
    func state() async throws -> Hosts.DomainState { Hosts.DomainState(try await domain.state()) }
    func isActive() async throws -> Bool { try await domain.isActive() }
    func start(paused: Bool) async throws { try await domain.start(paused ? .paused : []) }
    func shutdown() async throws { try await domain.shutdown() }
    func destroy() async throws { try await domain.destroy() }
    func suspend() async throws { try await domain.suspend() }
    func resume() async throws { try await domain.resume() }
    func undefine() async throws { try await domain.undefine() }

    func metadata(uri: String, _ scope: MetadataScope) async throws -> String? {
        try await domain.metadata(uri: uri, scope.impact)
    }

    func setMetadata(_ xml: String, key: String, uri: String, _ scope: MetadataScope) async throws {
        try await domain.setMetadata(xml, key: key, uri: uri, scope.impact)
    }

    func snapshots() async throws -> [any SnapshotHandle] { try await domain.snapshots().map(LiveSnapshot.init) }

    func snapshot(named name: String) async throws -> (any SnapshotHandle)? {
        try await domain.snapshot(named: name).map(LiveSnapshot.init)
    }

    func createSnapshot(name: String, description: String) async throws -> any SnapshotHandle {
        LiveSnapshot(try await domain.createSnapshot(xml: LibvirtXML.snapshot(name: name, description: description)))
    }

    func xml() async throws -> String { try await domain.xml() }
    func updateDevice(xml: String) async throws { try await domain.updateDevice(xml: xml, .live) }
    func openConsole(force: Bool) async throws -> any ConsoleSession { try await domain.openConsole(force: force) }
}

struct LiveSnapshot: SnapshotHandle {
    let snapshot: DomainSnapshot
    init(_ snapshot: DomainSnapshot) { self.snapshot = snapshot }
    var name: String { snapshot.name }
    func revert(paused: Bool) async throws { try await snapshot.revert(paused ? .paused : []) }
    func delete(metadataOnly: Bool) async throws { try await snapshot.delete(metadataOnly ? .metadataOnly : []) }
}

struct LivePool: PoolHandle {
    let pool: StoragePool
    init(_ pool: StoragePool) { self.pool = pool }

    var name: String { pool.name }
    func isActive() async throws -> Bool { try await pool.isActive() }
    func build() async throws { try await pool.build() }
    func create() async throws { try await pool.create() }
    func setAutostart(_ on: Bool) async throws { try await pool.setAutostart(on) }
    func refresh() async throws { try await pool.refresh() }
    func destroy() async throws { try await pool.destroy() }
    func delete() async throws { try await pool.delete() }
    func undefine() async throws { try await pool.undefine() }
    func volumes() async throws -> [any VolumeHandle] { try await pool.volumes().map(LiveVolume.init) }
    func volume(named name: String) async throws -> (any VolumeHandle)? { try await pool.volume(named: name).map(LiveVolume.init) }

    func createRawVolume(named name: String, bytes: Int64) async throws -> any VolumeHandle {
        LiveVolume(try await pool.createVolume(xml: LibvirtXML.rawVolume(name: name, bytes: bytes)))
    }

    func createOverlay(named name: String, capacity: Int64, backingPath: String,
                       backingFormat: ImageFormat) async throws -> any VolumeHandle {
        LiveVolume(try await pool.createOverlay(named: name, backingPath: backingPath, backingFormat: backingFormat.rawValue,
                                                capacity: UInt64(max(0, capacity))))
    }
}

struct LiveVolume: VolumeHandle {
    let volume: StorageVolume
    init(_ volume: StorageVolume) { self.volume = volume }

    var name: String { volume.name }
    func path() async throws -> String { try await volume.path() }

    func info() async throws -> Hosts.VolumeInfo {
        let i = try await volume.info()
        return Hosts.VolumeInfo(capacity: i.capacity, allocation: i.allocation)
    }

    func backingStorePath() async throws -> String? { try await volume.backingStorePath() }
    func delete() async throws { try await volume.delete() }
    func upload(fromFile path: String) async throws -> TransferStats { try await volume.upload(fromFile: path) }

    func copy(to destination: any VolumeHandle) async throws -> TransferStats {
        guard let sink = destination as? LiveVolume else {
            throw TBError(.internalError, "cannot copy volume \(name) into \(destination.name): not a libvirt volume")
        }
        return try await volume.copy(to: sink.volume)
    }
}

struct LiveNetwork: NetworkHandle {
    let network: Libvirt.Network
    init(_ network: Libvirt.Network) { self.network = network }

    var name: String { network.name }
    func isActive() async throws -> Bool { try await network.isActive() }
    func create() async throws { try await network.create() }
    func setAutostart(_ on: Bool) async throws { try await network.setAutostart(on) }
    func destroy() async throws { try await network.destroy() }
    func undefine() async throws { try await network.undefine() }
    func dhcpHosts() async throws -> Set<Inventory.DHCPHost> { LibvirtXML.dhcpHosts(in: try await network.xml()) }
    func hostAddress() async throws -> NetworkAddress? { LibvirtXML.hostAddress(in: try await network.xml()) }

    func updateDHCPHost(_ entry: Inventory.DHCPHost, add: Bool) async throws {
        try await network.updateDHCPHost(LibvirtXML.dhcpHost(entry), add: add)
    }
}

extension DomainStop.Why {
    init(_ r: DomainLifecycleEvent.StopReason) {
        switch r {
        case .panicked: self = .panicked
        case .failed: self = .failed
        case .poweredOff: self = .poweredOff
        }
    }
}

extension Hosts.DomainState {
    init(_ s: Libvirt.DomainState) {
        switch s {
        case .nostate: self = .nostate
        case .running: self = .running
        case .blocked: self = .blocked
        case .paused: self = .paused
        case .shutdown: self = .shutdown
        case .shutoff: self = .shutoff
        case .crashed: self = .crashed
        case .pmsuspended: self = .pmsuspended
        }
    }

    var libvirt: Libvirt.DomainState {
        switch self {
        case .nostate: .nostate
        case .running: .running
        case .blocked: .blocked
        case .paused: .paused
        case .shutdown: .shutdown
        case .shutoff: .shutoff
        case .crashed: .crashed
        case .pmsuspended: .pmsuspended
        }
    }
}

extension MetadataScope {
    var impact: DomainModificationImpact {
        switch self {
        case .current: .current
        case .live: .live
        case .config: .config
        }
    }
}

extension ConsoleStream: ConsoleSession {}
