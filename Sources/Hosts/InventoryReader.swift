import Core
import OVSModel
import Plan
import TestbedState

extension HostConnection {
    /// Reads what this host has of the project: pool, volumes, management network, domains
    /// (those whose metadata names the project), OVS bridges. Independent reads run concurrently.
    public func inventory(project: String) async throws -> Inventory {
        async let pool = poolFacts()
        async let mgmt = managementNetwork()
        async let domains = projectDomains(project: project)
        async let bridges = ovs.bridges(project: project)
        let (poolActive, volumes) = try await pool
        let (managementActive, dhcpHosts, stale) = try await mgmt
        var inventory = Inventory(host: name, poolActive: poolActive, volumes: volumes, managementActive: managementActive,
                                  dhcpHosts: dhcpHosts, domains: try await domains, bridges: try await bridges)
        inventory.managementStale = stale
        return inventory
    }

    func poolFacts() async throws -> (Bool?, [String: Inventory.Volume]) {
        guard let pool = try await libvirt.storagePool(named: spec.pool) else { return (nil, [:]) }
        guard try await pool.isActive() else { return (false, [:]) }
        try await pool.refresh()   // see files changed outside libvirt since it last looked
        let volumes = try await pool.volumes()
        let facts = try await concurrentMap(volumes) { v in
            Inventory.Volume(name: v.name, backingPath: try await v.backingStorePath(),
                             capacityBytes: Int64(try await v.info().capacity))
        }
        return (true, Dictionary(facts.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a }))
    }

    /// Starts the project's pool if it exists and is stopped, and marks it autostart.
    public func startPool() async throws {
        guard let pool = try await libvirt.storagePool(named: spec.pool) else { return }
        if try await !pool.isActive() { try await pool.create() }
        try await pool.setAutostart(true)
    }

    func managementNetwork() async throws -> (Bool?, Set<Inventory.DHCPHost>, stale: Bool) {
        guard let net = try await libvirt.network(named: spec.management.network) else { return (nil, [], false) }
        let stale = try await net.hostAddress() != spec.management.hostAddress()
        return (try await net.isActive(), try await net.dhcpHosts(), stale)
    }

    /// Domains named `<project>-…` whose tbctl metadata names the project (a user's own domain
    /// that merely shares the prefix is never touched).
    public func projectDomains(project: String) async throws -> [String: Inventory.Domain] {
        let candidates = try await libvirt.allDomains().filter { $0.name.hasPrefix(project + "-") }
        let found = try await concurrentMap(candidates) { d -> Inventory.Domain? in
            guard let meta = try await d.metadata(uri: DomainMetadata.guestNamespace),
                  DomainMetadata.attribute("project", in: meta) == project else { return nil }
            let state = Self.state(try await d.state())
            let digest = { (xml: String?) in xml.flatMap { DomainMetadata.attribute("digest", in: $0) } }
            let config = digest(try await d.metadata(uri: DomainMetadata.configNamespace, .config))
            let live = state == .running ? digest(try await d.metadata(uri: DomainMetadata.configNamespace, .live)) : nil
            return Inventory.Domain(name: d.name, state: state, configDigest: config, liveDigest: live)
        }
        return Dictionary(found.compactMap { $0 }.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    }

    static func state(_ s: DomainState) -> Inventory.DomainState {
        switch s {
        case .running, .blocked: .running
        case .paused, .pmsuspended: .paused
        case .shutoff, .crashed, .shutdown, .nostate: .shutoff
        }
    }
}
