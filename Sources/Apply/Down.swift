import Conditions
import Core
import Foundation
import Hosts
import OVSModel
import Plan
import TestbedState
import Workspace

extension Provisioner {
    /// Removes the project's guests, their disks and seeds, the management networks and OVS
    /// bridges on every host. Base and golden images stay (a cache for the next `up`) unless
    /// `purge`, which also removes them and the storage pool. Idempotent.
    public func down(purge: Bool) async throws {
        let lock = try ProjectLock(path: workspace.path("lock"), command: "down")
        defer { withExtendedLifetime(lock) {} }
        let retiring = try await retireHosts()
        var hosts = await HostSet.connect(state, via: connector)
        hosts.failures.merge(retiring) { a, _ in a }
        try await hosts.closing { try await teardown($0, purge: purge) }
    }

    private func teardown(_ hosts: HostSet, purge: Bool) async throws {
        let context = try ApplyContext(state: state, workspace: workspace, hosts: hosts, progress: progress)
        let connections = hosts.connections.sorted { $0.key < $1.key }
        let results = await concurrentResults(connections) { name, host in
            try await progress.task("remove project \(state.project) from \(name)") {
                try await HostTeardown(context: context, host: host).run(purge: purge)
            }
        }
        let failures = zip(connections, results).compactMap { c, r -> Failure? in
            guard case .failure(let error) = r else { report?.host(c.key, "ok"); return nil }
            let e = error.asTBError().about("host \(c.key)")
            report?.host(c.key, "failed", e)
            return Failure(action: .removeDomain(domain: "*", host: c.key), error: e)
        }
        for (name, e) in hosts.failures.sorted(by: { $0.key < $1.key }) { report?.host(name, "unreachable", e) }
        // Snapshots live in the guests' disks: those of the hosts cleaned out are gone.
        let cleaned = Set(hosts.connections.keys).subtracting(failures.map(\.action.host))
        try SnapshotStore(workspace).forget(guests: Set(state.guests.filter { cleaned.contains($0.host) }.map(\.name)))
        // So are the disks whose image brought its own host key: the next one may bring another.
        try ApplianceHostKeys.forget(aliases: Set(state.guests.filter { cleaned.contains($0.host) }.map(Names.applianceKeyAlias)),
                                     workspace: workspace)
        // The conditions went with the guests and bridges; once every host is clean, so does
        // their record (a host left over keeps it, for the next `down`).
        if failures.isEmpty && hosts.failures.isEmpty { try ConditionsRecord.remove(workspace) }
        try Self.report(failures: failures, unreachable: hosts.failures, what: "down")
        progress.line("testbed \(state.project) is down\(purge ? " (images purged)" : "; base and golden images kept (use --purge to remove them)")")
    }
}

/// Everything of one project on one host, removed in dependency order. Each part is tried
/// even when another failed (a broken OVS must not keep the guests running), except that disks
/// stay while a domain that may use them could not be removed.
struct HostTeardown: Sendable {
    let context: ApplyContext
    let host: any HostConnection
    var executor: Executor { Executor(context: context) }

    func run(purge: Bool) async throws {
        var problems: [TBError] = []
        func step(_ what: String, _ body: () async throws -> Void) async -> Bool {
            do { try await body(); return true } catch {
                // The error says which part is left (libvirt's own message does not).
                var e = error.asTBError(.internalError, "cannot \(what)")
                if error is TBError { e.message = "cannot \(what): " + e.message }
                problems.append(e)
                return false
            }
        }
        let project = context.state.project
        let domainsGone = await step("remove the project's domains") {
            let domains = try await host.projectDomains(project: project)
            _ = try await concurrentMap(Array(domains.keys)) {
                try await executor.removeDomainIfPresent($0, on: host)
                try await executor.removeSerialLog($0, on: host)   // appended across restarts: a new guest starts afresh
            }
            context.progress.detail("removed \(plural(domains.count, "domain")) from \(host.name)")
        }
        let volumesGone = domainsGone ? await step("remove the project's volumes") { try await removeVolumes(purge: purge) } : false
        _ = await step("remove the management network") {
            guard let net = try await host.libvirt.network(named: host.spec.management.network) else { return }
            if try await net.isActive() { try await net.destroy() }
            try await net.undefine()
            context.progress.detail("removed network \(host.spec.management.network) from \(host.name)")
        }
        _ = await step("remove the project's OVS bridges") {
            try await host.ovs.deleteProject(project: project)
            context.progress.detail("removed the project's OVS bridges from \(host.name)")
        }
        try context.update { r in
            if volumesGone {
                r.volumes[host.name] = purge ? nil : r.volumes[host.name]?.filter { $0.key.hasPrefix("base-") || $0.key.hasPrefix("golden-") }
            }
            if domainsGone { for g in context.state.guests where g.host == host.name { r.setup[g.name] = nil } }
        }
        // The record goes last, and only once the rest is gone: until then `ls` and `down
        // --project` must still find what is left.
        if problems.isEmpty { _ = await step("remove the testbed record") { try await host.removeTestbedRecord(project: project) } }
        guard problems.isEmpty else {
            if problems.count == 1 { throw problems[0] }
            throw TBError(.failed, "\(problems.count) parts could not be removed", problems: problems)
        }
    }

    /// Disks and seeds (and with `purge` the images and the pool itself). A stopped pool is
    /// started first: libvirt cannot list or delete the volumes of a stopped pool, and
    /// undefining it would leave its folder and files behind.
    private func removeVolumes(purge: Bool) async throws {
        guard let pool = try await host.libvirt.storagePool(named: host.spec.pool) else { return }
        if try await !pool.isActive() { try await host.startPool() }
        try await pool.refresh()
        let volumes = try await pool.volumes().filter { purge || !($0.name.hasPrefix("base-") || $0.name.hasPrefix("golden-")) }
        _ = try await concurrentMap(volumes) { try await $0.delete() }
        context.progress.detail("removed \(plural(volumes.count, "volume")) from \(host.name)")
        guard purge else { return }
        try await pool.destroy()
        try await pool.delete()
        try await pool.undefine()
        context.progress.detail("removed pool \(host.spec.pool) from \(host.name)")
    }
}
