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
