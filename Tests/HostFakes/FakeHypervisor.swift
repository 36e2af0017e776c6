import Core
import Hosts
import Metrics
import Plan
import TestbedState

/// libvirt on a fake host.
struct FakeHypervisor: Hypervisor {
    let lab: FakeLab
    let host: String

    func domain(named name: String) async throws -> (any DomainHandle)? {
        try await lab.call(host, "domain.lookup", name)
        return lab.with(host) { $0.domains[name] }.map { FakeDomain(lab: lab, host: host, name: name, uuid: $0.uuid) }
    }

    func domainStops() async throws -> AsyncStream<DomainStop> {
        try await lab.call(host, "domain.events", "")
        return lab.subscribeStops(host)
    }

    func nodeCPUs() async throws -> Int {
        try await lab.call(host, "node.info", "")
        return lab.with(host) { $0.cpus }
    }

    func allDomains() async throws -> [any DomainHandle] {
        try await lab.call(host, "domain.list", "")
        return lab.with(host) { $0.domains.values.sorted { $0.name < $1.name } }
            .map { FakeDomain(lab: lab, host: host, name: $0.name, uuid: $0.uuid) }
    }

    /// As libvirt: a new name is defined; an existing one only with its `<uuid>` (then the
    /// persistent definition, metadata included, is replaced; a running domain keeps its live one).
    func defineDomain(xml: String) async throws -> any DomainHandle {
        guard let name = DomainXMLReading.element("name", in: xml) else { throw TBError(.libvirt, "domain XML has no <name>") }
        try await lab.call(host, "domain.define", name)
        let given = DomainXMLReading.element("uuid", in: xml)
        let fresh = lab.newUUID()
        let uuid = try lab.with(host) { h -> String in
            if var d = h.domains[name] {
                guard given == d.uuid else {
                    throw TBError(.libvirt, "operation failed: domain '\(name)' already exists with uuid \(d.uuid)")
                }
                d.xml = xml
                d.config = DomainXMLReading.metadata(in: xml)
                d.persistent = true
                h.domains[name] = d
                return d.uuid
            }
            let uuid = given ?? fresh
            h.domains[name] = DomainRecord(name: name, uuid: uuid, xml: xml, config: DomainXMLReading.metadata(in: xml))
            return uuid
        }
        return FakeDomain(lab: lab, host: host, name: name, uuid: uuid)
    }

    /// The fake's transitions happen at once, so a domain not in `state` now never gets there:
    /// the wait ends as the real one would after `timeout`.
    func waitForState(_ name: String, _ state: DomainState, timeout: Duration) async throws {
        try await lab.call(host, "domain.wait", name)
        let now = lab.with(host) { $0.domains[name]?.state }
        if now == state || (now == nil && state == .shutoff) { return }
        guard now != nil else { throw TBError(.notFound, "no such domain", object: "domain \(name)") }
        throw TBError(.timeout, "domain did not reach state \(state.rawValue) within \(timeout)", object: "domain \(name)")
    }

    /// Every domain with its state; a running one has a NIC per `<mac>` of its XML (taps
    /// `vnet0`...) and the counters the test put in `World.stats`, else none.
    func allDomainStats() async throws -> [DomainStats] {
        try await lab.call(host, "domain.stats", "")
        let (domains, counters) = lab.with(host) { h in
            for (name, seconds) in h.cpuPerRead where h.domains[name]?.state == .running {
                h.stats[name, default: [:]]["cpu.time", default: 0] += seconds * 1e9
            }
            return (h.domains.values.sorted { $0.name < $1.name }, h.stats)
        }
        return domains.map { d in
            guard d.isActive else { return DomainStats(domain: d.name, state: d.state.libvirtNumber) }
            var s = DomainStats(domain: d.name, numbers: counters[d.name] ?? [:], strings: [:])
            s.state = d.state.libvirtNumber
            s.nics = DomainXMLReading.macs(in: d.xml).enumerated().map { i, mac in
                var nic = DomainStats.NIC(index: i, device: "vnet\(i)")
                nic.mac = mac
                nic.rxBytes = counters[d.name]?["net.\(i).rx.bytes"]; nic.txBytes = counters[d.name]?["net.\(i).tx.bytes"]
                return nic
            }
            return s
        }
    }

    func storagePool(named name: String) async throws -> (any PoolHandle)? {
        try await lab.call(host, "pool.lookup", name)
        return lab.with(host) { $0.pools[name] }.map { FakePool(lab: lab, host: host, name: $0.name) }
    }

    func defineStoragePool(name: String, path: String) async throws -> any PoolHandle {
        try await lab.call(host, "pool.define", name)
        try lab.with(host) { h in
            guard h.pools[name] == nil else { throw TBError(.libvirt, "operation failed: pool '\(name)' already exists") }
            h.pools[name] = PoolRecord(name: name, path: path)
        }
        return FakePool(lab: lab, host: host, name: name)
    }

    func network(named name: String) async throws -> (any NetworkHandle)? {
        try await lab.call(host, "network.lookup", name)
        return lab.with(host) { $0.networks[name] }.map { FakeNetwork(lab: lab, host: host, name: $0.name) }
    }

    func defineManagementNetwork(_ m: Host.Management, dhcpHosts: [Inventory.DHCPHost]) async throws -> any NetworkHandle {
        try await lab.call(host, "network.define", m.network)
        try lab.with(host) { h in
            guard h.networks[m.network] == nil else { throw TBError(.libvirt, "operation failed: network '\(m.network)' already exists") }
            h.networks[m.network] = NetworkRecord(name: m.network, bridge: m.bridge, dhcp: Set(dhcpHosts), address: try m.hostAddress())
        }
        return FakeNetwork(lab: lab, host: host, name: m.network)
    }
}

/// A domain handle: every call finds the domain again (it may have been undefined meanwhile).
struct FakeDomain: DomainHandle {
    let lab: FakeLab
    let host: String
    let name: String
    let uuid: String

    /// Runs `body` on the domain's record, as a libvirt call `op`.
    private func on<T>(_ op: String, _ body: (inout DomainRecord, inout HostWorld) throws -> T) async throws -> T {
        try await lab.call(host, "domain.\(op)", name)
        return try lab.with(host) { h in
            guard var d = h.domains[name], d.uuid == uuid else {
                throw TBError(.libvirt, "Domain not found: no domain with matching name '\(name)'")
            }
            defer { h.domains[name] = d }
            return try body(&d, &h)
        }
    }

    func state() async throws -> DomainState { try await on("state") { d, _ in d.state } }
    func isActive() async throws -> Bool { try await on("isActive") { d, _ in d.isActive } }

    /// libvirt refuses to start a domain whose disk files (or their backing files), networks
    /// or bridges are missing; the started domain runs on the definition it had then.
    func start(paused: Bool) async throws {
        try await on(paused ? "startPaused" : "start") { d, h in
            guard !d.isActive else { throw TBError(.libvirt, "Requested operation is not valid: domain is already running") }
            for (path, _) in DomainXMLReading.diskFiles(in: d.xml) {
                var next: String? = path
                while let p = next {
                    guard let f = h.files[p] else { throw TBError(.libvirt, "Cannot access storage file '\(p)': No such file or directory") }
                    next = f.backingPath
                }
            }
            for net in DomainXMLReading.sources("network", in: d.xml) where h.networks[net]?.active != true {
                throw TBError(.libvirt, "Requested operation is not valid: network '\(net)' is not active")
            }
            for br in DomainXMLReading.sources("bridge", in: d.xml) where h.bridges[br] == nil {
                throw TBError(.libvirt, "Cannot get interface MTU on '\(br)': No such device")
            }
            d.state = paused ? .paused : .running
            d.live = d.config
            Self.boot(&d, &h)
        }
        if !paused { try await crashIfDue() }
    }

    /// A boot due to crash ends as soon as its vCPUs run: destroyed by on_crash, and libvirt
    /// tells its subscribers.
    private func crashIfDue() async throws {
        let crashed = try await on("run") { d, _ in
            guard d.crashPending, d.state == .running else { return false }
            d.crashPending = false
            stop(&d)
            return true
        }
        if crashed { lab.sendStop(host, DomainStop(domain: name, why: .panicked)) }
    }

    /// A start appends to the console log (as virtlogd does with append='on'); a domain due to panic shows a kernel panic there and
    /// keeps silent on SSH.
    static func boot(_ d: inout DomainRecord, _ h: inout HostWorld) {
        guard let log = DomainXMLReading.attribute("file", ofFirst: "log", in: d.xml) else { return }
        if let n = h.crashBoots[d.name], n > 0 {
            h.crashBoots[d.name] = n - 1
            h.consoles[log, default: ""] += "[    0.900000] sysrq: Trigger a crash\n"
                + "[    0.910000] Kernel panic - not syncing: sysrq triggered crash\n"
                + (0..<20).map { "[    0.92\(String(format: "%04d", $0))]  frame_\($0)+0x16/0x20\n" }.joined()
            d.crashPending = true
            h.silent.insert(d.name)
        } else if let n = h.panicBoots[d.name], n > 0 {
            h.panicBoots[d.name] = n - 1
            h.consoles[log, default: ""] += "[    0.120000] ..MP-BIOS bug: 8254 timer not connected to IO-APIC\n"
                + "[    0.130000] Kernel panic - not syncing: IO-APIC + timer doesn't work!  Boot with apic=debug\n"
            h.silent.insert(d.name)
        } else {
            if h.consoles[log] != nil || h.panicBoots[d.name] != nil || h.crashBoots[d.name] != nil { h.silent.remove(d.name) }
            h.consoles[log, default: ""] += "[    0.000000] Linux version 6.1.0 (fake)\n"
        }
    }

    func shutdown() async throws {
        try await on("shutdown") { d, _ in
            guard d.isActive else { throw TBError(.libvirt, "Requested operation is not valid: domain is not running") }
            if d.state == .running && !d.ignoresACPI { stop(&d) }
        }
        try removeIfGoneTransient()
    }

    func destroy() async throws {
        try await on("destroy") { d, _ in
            guard d.isActive else { throw TBError(.libvirt, "Requested operation is not valid: domain is not running") }
            stop(&d)
        }
        try removeIfGoneTransient()
    }

    func suspend() async throws {
        try await on("suspend") { d, _ in
            guard d.state == .running else { throw TBError(.libvirt, "Requested operation is not valid: domain is not running") }
            d.state = .paused
        }
    }

    func resume() async throws {
        try await on("resume") { d, _ in
            guard d.state == .paused else { throw TBError(.libvirt, "Requested operation is not valid: domain is not paused") }
            d.state = .running
        }
        try await crashIfDue()
    }

    /// A running domain undefined becomes transient: it goes once it stops.
    func undefine() async throws {
        let active = try await on("undefine") { d, _ in
            d.persistent = false
            d.snapshots = []
            return d.isActive
        }
        if !active { lab.with(host) { $0.domains[name] = nil } }
    }

    func metadata(uri: String, _ scope: MetadataScope) async throws -> String? {
        try await on("metadata") { d, _ in
            switch scope {
            case .config: return d.config[uri]
            case .live:
                guard d.isActive else { throw TBError(.libvirt, "Requested operation is not valid: domain is not running") }
                return d.live[uri]
            case .current: return d.isActive ? d.live[uri] : d.config[uri]
            }
        }
    }

    func setMetadata(_ xml: String, key: String, uri: String, _ scope: MetadataScope) async throws {
        try await on("setMetadata") { d, _ in
            let element = "<\(key):" + String(xml.dropFirst()).replacingOccurrences(of: "/>", with: " xmlns:\(key)='\(uri)'/>")
            switch scope {
            case .config: d.config[uri] = element
            case .live: d.live[uri] = element
            case .current: if d.isActive { d.live[uri] = element } else { d.config[uri] = element }
            }
        }
    }

    func snapshots() async throws -> [any SnapshotHandle] {
        try await on("snapshots") { d, _ in d.snapshots.map { snapshotHandle($0.name) } }
    }

    func snapshot(named snap: String) async throws -> (any SnapshotHandle)? {
        try await on("snapshot") { d, _ in d.snapshots.contains { $0.name == snap } ? snapshotHandle(snap) : nil }
    }

    /// An internal snapshot: kept by libvirt (the domain's list) and in the qcow2 disk file.
    func createSnapshot(name snap: String, description: String) async throws -> any SnapshotHandle {
        try await on("createSnapshot") { d, h in
            guard !d.snapshots.contains(where: { $0.name == snap }) else {
                throw TBError(.libvirt, "operation failed: domain snapshot '\(snap)' already exists")
            }
            let disks = DomainXMLReading.diskFiles(in: d.xml).filter(\.isDisk).map(\.path)
            for p in disks where h.files[p]?.format != .qcow2 {
                throw TBError(.libvirt, "unsupported configuration: internal snapshot for disk \(p) unsupported for storage type raw")
            }
            d.snapshots.append(SnapshotRecord(name: snap, state: d.state, guestFiles: d.guestFiles))
            for p in disks { h.files[p]?.snapshots[snap] = d.isActive ? 64 << 20 : 0 }
        }
        return snapshotHandle(snap)
    }

    /// The defined XML, for a running domain with a tap per NIC and its live link states.
    func xml() async throws -> String {
        try await on("xml") { d, _ in d.isActive ? DomainXMLReading.live(d.xml, linksDown: d.linksDown) : d.xml }
    }

    /// Only a NIC's link state can change, as with libvirt's live update of an interface.
    func updateDevice(xml: String) async throws {
        try await on("updateDevice") { d, _ in
            guard d.isActive else { throw TBError(.libvirt, "Requested operation is not valid: domain is not running") }
            guard let mac = DomainXMLReading.attribute("address", ofFirst: "mac", in: xml)?.lowercased() else {
                throw TBError(.libvirt, "unsupported configuration: device update of anything but an interface")
            }
            if xml.contains("state='down'") || xml.contains("state=\"down\"") { d.linksDown.insert(mac) } else { d.linksDown.remove(mac) }
        }
    }

    /// A fake guest prints nothing; libvirt refuses a console of a domain that does not run.
    func openConsole(force: Bool) async throws -> any ConsoleSession {
        try await on("openConsole") { d, _ in
            guard d.isActive else { throw TBError(.libvirt, "Requested operation is not valid: domain is not running") }
        }
        return FakeConsole()
    }

    private func snapshotHandle(_ snap: String) -> any SnapshotHandle {
        FakeSnapshot(lab: lab, host: host, domain: name, name: snap)
    }

    private func stop(_ d: inout DomainRecord) {
        d.state = .shutoff
        d.live = [:]
        d.linksDown = []
    }

    private func removeIfGoneTransient() throws {
        lab.with(host) { h in
            if let d = h.domains[name], !d.persistent, !d.isActive { h.domains[name] = nil }
        }
    }
}

struct FakeSnapshot: SnapshotHandle {
    let lab: FakeLab
    let host: String
    let domain: String
    let name: String

    /// The guest's files come back as they were; the domain is left paused or as snapshotted.
    func revert(paused: Bool) async throws {
        try await lab.call(host, "snapshot.revert", domain)
        try lab.with(host) { h in
            guard var d = h.domains[domain], let s = d.snapshots.first(where: { $0.name == name }) else {
                throw TBError(.libvirt, "Domain snapshot not found: no domain snapshot with matching name '\(name)'")
            }
            d.guestFiles = s.guestFiles
            let wasActive = d.isActive
            d.state = paused ? .paused : s.state
            if d.isActive && !wasActive { d.live = d.config }
            h.domains[domain] = d
        }
    }

    func delete(metadataOnly: Bool) async throws {
        try await lab.call(host, "snapshot.delete", domain)
        try lab.with(host) { h in
            guard var d = h.domains[domain], d.snapshots.contains(where: { $0.name == name }) else {
                throw TBError(.libvirt, "Domain snapshot not found: no domain snapshot with matching name '\(name)'")
            }
            d.snapshots.removeAll { $0.name == name }
            if !metadataOnly {
                for (p, _) in DomainXMLReading.diskFiles(in: d.xml) { h.files[p]?.snapshots[name] = nil }
            }
            h.domains[domain] = d
        }
    }
}

extension DomainState {
    /// virDomainState's number, as the bulk statistics call reports it.
    var libvirtNumber: Int {
        switch self {
        case .nostate: 0
        case .running: 1
        case .blocked: 2
        case .paused: 3
        case .shutdown: 4
        case .shutoff: 5
        case .crashed: 6
        case .pmsuspended: 7
        }
    }
}

/// A console session on a fake guest: silent, ended by `abort`.
struct FakeConsole: ConsoleSession {
    let ended = Locked(false)
    func receive(max: Int) throws -> [UInt8] { [] }
    func send(_ bytes: [UInt8]) throws {
        if ended.current { throw TBError(.libvirt, "console stream ended") }
    }
    func abort() { ended.withLock { $0 = true } }
}
