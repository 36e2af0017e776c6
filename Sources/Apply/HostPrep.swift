import Core
import Foundation
import Hosts
import OVSModel
import Plan
import TestbedState

extension Executor {
    /// The project's dir pool: defined, built (its folder made), started, autostarted.
    func createPool(_ host: any HostConnection) async throws {
        let spec = host.spec
        let parent = (spec.poolPath as NSString).deletingLastPathComponent
        try await host.runner.check(["mkdir", "-p", "-m", "0711", parent])
        var pool = try await host.libvirt.storagePool(named: spec.pool)
        if pool == nil { pool = try await host.libvirt.defineStoragePool(name: spec.pool, path: spec.poolPath) }
        guard let pool else { return }
        progress.detail("pool \(spec.pool) at \(spec.poolPath) on \(host.name)")
        try await pool.build()
        try await host.startPool()
    }

    /// The management NAT network with one DHCP host entry per guest of this host.
    func ensureManagementNetwork(_ host: any HostConnection) async throws {
        let guests = context.state.guests.filter { $0.host == host.name }
        var existing = try await host.libvirt.network(named: host.spec.management.network)
        if let net = existing, try await replaceStale(net, on: host) { existing = nil }
        if existing == nil {
            existing = try await host.libvirt.defineManagementNetwork(host.spec.management, dhcpHosts: guests.map(Inventory.DHCPHost.init))
        }
        guard let net = existing else { return }
        if try await !net.isActive() {
            progress.detail("start network \(host.spec.management.network) on \(host.name)")
            try await net.create()
        }
        try await net.setAutostart(true)
        try await syncDHCPHosts(net, guests: guests)
    }

    /// A management network left with another subnet (the compose file's `management:` changed,
    /// or an older testbed of the same name left it) is replaced, as long as no guest of the
    /// project runs on it: replacing it would cut them off, so then it is an error.
    func replaceStale(_ net: any NetworkHandle, on host: any HostConnection) async throws -> Bool {
        let want = try host.spec.management.hostAddress()
        let have = try await net.hostAddress()
        guard have != want else { return false }
        let prefix = context.state.project + "-"
        var running: [String] = []
        for d in try await host.libvirt.allDomains() where d.name.hasPrefix(prefix) {
            if try await d.isActive() { running.append(d.name) }
        }
        guard running.isEmpty else {
            throw TBError(.conflict, "management network \(net.name) on \(host.name) has \(have.map { "\($0)" } ?? "no address"), "
                + "the testbed wants \(want); \(running.sorted().joined(separator: ", ")) still run on it: "
                + "`tbctl down` first, then `tbctl up`")
        }
        progress.detail("replace network \(net.name) on \(host.name): \(have.map { "\($0)" } ?? "no address") -> \(want)")
        if try await net.isActive() { try await net.destroy() }
        try await net.undefine()
        return true
    }

    /// Adds missing DHCP host entries and drops stale ones, live and in the persistent config,
    /// without restarting the network (which would cut every running guest off it).
    func syncDHCPHosts(_ net: any NetworkHandle, guests: [Guest]) async throws {
        let have = try await net.dhcpHosts()
        let want = Set(guests.map(Inventory.DHCPHost.init))
        // Stale ones first: an entry whose address changed is removed before it is added again.
        for entry in have.subtracting(want).sorted(by: { $0.mac < $1.mac }) {
            try await net.updateDHCPHost(entry, add: false)
        }
        for entry in want.subtracting(have).sorted(by: { $0.mac < $1.mac }) {
            try await net.updateDHCPHost(entry, add: true)
        }
    }

    /// Bridges and tunnels of the project on this host: exactly the planned changes, in one
    /// ovs-vsctl transaction, verified afterwards.
    func configureBridges(_ host: any HostConnection) async throws {
        let desired = desiredBridges(context.state, host: host.spec)
        let changes = try await host.ovs.plan(desired, project: context.state.project)
        for c in changes { progress.detail("ovs on \(host.name): \(c)") }
        try await host.ovs.apply(changes)
    }
}
