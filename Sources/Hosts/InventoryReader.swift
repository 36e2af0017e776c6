import Core
import Libvirt
import OVS
import Plan
import TestbedState

extension HostConnection {
    /// Reads what this host has of the project: pool, volumes, management network, domains
    /// (those whose metadata names the project), OVS bridges. Independent reads run concurrently.
    public func inventory(project: String) async throws -> Inventory {
        async let pool = poolFacts()
        async let mgmt = managementActive()
        async let domains = projectDomains(project: project)
        async let bridges = bridgeFacts(project: project)
        let (poolActive, volumes) = try await pool
        return Inventory(host: name, poolActive: poolActive, volumes: volumes, managementActive: try await mgmt,
                         domains: try await domains, bridges: try await bridges)
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

    func managementActive() async throws -> Bool? {
        guard let net = try await libvirt.network(named: spec.management.network) else { return nil }
        return try await net.isActive()
    }

    /// Domains named `<project>-…` whose tbctl metadata names the project (a user's own domain
    /// that merely shares the prefix is never touched).
    func projectDomains(project: String) async throws -> [String: Inventory.Domain] {
        let candidates = try await libvirt.allDomains().filter { $0.name.hasPrefix(project + "-") }
        let found = try await concurrentMap(candidates) { d -> Inventory.Domain? in
            guard let meta = try await d.metadata(uri: DomainMetadata.guestNamespace),
                  DomainMetadata.attribute("project", in: meta) == project else { return nil }
            let config = try await d.metadata(uri: DomainMetadata.configNamespace)
            return Inventory.Domain(name: d.name, state: Self.state(try await d.state()),
                                    configDigest: config.flatMap { DomainMetadata.attribute("digest", in: $0) })
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

    /// Bridges of the project with their tunnel ports (the ports libvirt adds for guests are not
    /// tbctl's to manage).
    func bridgeFacts(project: String) async throws -> [String: [String: String]] {
        var out: [String: [String: String]] = [:]
        for b in try await ovs.bridges(project: project) {
            var ports: [String: String] = [:]
            for p in b.ports where p.externalIDs[OVSKeys.project] == project || ["vxlan", "geneve", "gre"].contains(p.type) {
                ports[p.name] = p.type == "internal" ? "internal \(p.addresses.joined(separator: ","))"
                    : "\(p.type) \(p.options["remote_ip"] ?? "") \(p.options["key"] ?? "")"
            }
            out[b.name] = ports
        }
        return out
    }
}

/// Maps concurrently, keeping order, with at most `limit` items in flight. libvirt calls block,
/// so each runs off the cooperative pool anyway; this just lets many RPCs be in flight at once.
/// Every item runs; each gives its own result.
public func concurrentResults<T: Sendable, R: Sendable>(_ items: [T], limit: Int = 16,
                                                         _ body: @escaping @Sendable (T) async throws -> R) async -> [Result<R, any Error>] {
    // Results go into a locked array rather than through the group (see HostSet.connect).
    let results = Locked([Result<R, any Error>?](repeating: nil, count: items.count))
    await withTaskGroup(of: Void.self) { group in
        var next = 0
        func add() {
            let i = next
            next += 1
            group.addTask {
                let r: Result<R, any Error>
                do { r = .success(try await body(items[i])) } catch { r = .failure(error) }
                results.withLock { $0[i] = r }
            }
        }
        while next < min(limit, items.count) { add() }
        for await _ in group {
            if next < items.count { add() }
        }
    }
    return results.current.map { $0! }
}

/// `concurrentResults`, throwing the first item's error (in item order) if any failed.
public func concurrentMap<T: Sendable, R: Sendable>(_ items: [T], limit: Int = 16,
                                                     _ body: @escaping @Sendable (T) async throws -> R) async throws -> [R] {
    try await concurrentResults(items, limit: limit, body).map { try $0.get() }
}
