import OVSModel
import TestbedState

extension Planner {
    /// Domains and volumes of the project that the state no longer has (scaled down, moved, renamed).
    /// Base and golden images are a cache: they stay until `down --purge`.
    func prune(_ host: Host, _ inv: Inventory) -> [Action] {
        let wanted = Set(guests(on: host.name).filter { $0.role.kind != .golden }.map(\.domain))
        let builders = Set(guests(on: host.name).filter { $0.role.kind == .golden }.map(\.domain))
        var out: [Action] = inv.domains.keys.sorted()
            .filter { !wanted.contains($0) && !builders.contains($0) }
            .map { .removeDomain(domain: $0, host: host.name) }
        let expected = expectedVolumes(host.name)
        out += inv.volumes.keys.sorted()
            .filter { !expected.contains($0) && !$0.hasPrefix("base-") && !$0.hasPrefix("golden-") }
            .map { .removeVolume(volume: $0, host: host.name) }
        return out
    }

    /// A host with nothing of the project on it (all guests elsewhere) gets no pool.
    func hostPrep(_ host: Host, _ inv: Inventory) -> [Action] {
        inv.poolActive == true || expectedVolumes(host.name).isEmpty ? [] : [.createPool(host: host.name)]
    }

    func network(_ host: Host, _ inv: Inventory) -> [Action] {
        var out: [Action] = []
        switch inv.managementActive {
        case _? where inv.managementStale: out.append(.createManagementNetwork(host: host.name))
        case nil where !guests(on: host.name).isEmpty: out.append(.createManagementNetwork(host: host.name))
        case false?: out.append(.startManagementNetwork(host: host.name))
        case true? where inv.dhcpHosts != dhcpHosts(host.name):
            // Guests added or removed (scale) since the network was made: entries change live.
            out.append(.updateDHCPHosts(host: host.name))
        default: break
        }
        let changes = OVSPlan.plan(desired: desiredBridges(state, host: host), actual: inv.bridges)
        if !changes.isEmpty { out.append(.configureBridges(host: host.name, changes: changes.map(\.description))) }
        return out
    }

    /// The fixed management addresses the host's network should hand out: one per guest on it.
    func dhcpHosts(_ host: String) -> Set<Inventory.DHCPHost> {
        Set(guests(on: host).map(Inventory.DHCPHost.init))
    }

    /// A base image counts as present only when tbctl recorded a completed, verified upload:
    /// a volume left by an interrupted upload is imported again.
    func images(_ host: Host, _ inv: Inventory) -> [Action] {
        state.images.filter { $0.hosts.contains(host.name) }
            .filter { inv.volumes[$0.volume] == nil || record.volume(host.name, $0.volume) != $0.recordedDigest }
            .map { .importImage(image: $0.name, host: host.name) }
    }

    /// Golden images: built once on their host, then copied to each other host with clones.
    func goldens() -> (build: [Action], copy: [Action]) {
        var build: [Action] = [], copy: [Action] = []
        for s in state.services {
            guard let g = s.golden, !s.clones.isEmpty else { continue }
            let present = { (h: String) in inventories[h]?.volumes[g.volume] != nil && record.volume(h, g.volume) != nil }
            if knowsVolumes(g.host), !present(g.host) { build.append(.buildGolden(service: s.name, host: g.host)) }
            for h in g.hosts where h != g.host && knowsVolumes(g.host) && knowsVolumes(h) && !present(h) {
                copy.append(.copyGolden(service: s.name, from: g.host, to: h))
            }
        }
        return (build, copy)
    }

    func disks(_ host: Host, _ inv: Inventory, fresh: inout Set<String>) -> [Action] {
        var out: [Action] = []
        for g in guests(on: host.name) {
            if g.role.kind != .golden {
                // A full copy has no backing file: the record says which image it was copied from.
                let want: String? = g.disk.isFullCopy ? nil : host.poolPath + "/" + g.disk.backingVolume
                if let have = inv.volumes[g.disk.volume] {
                    let copied = !g.disk.isFullCopy || record.volume(host.name, g.disk.volume) == g.disk.copyRecord
                    if have.backingPath != want || !copied {
                        out.append(.recreateDisk(guest: g.name, host: host.name, reason: "its image changed"))
                        fresh.insert(g.name)
                    }
                } else {
                    out.append(g.disk.isFullCopy ? .copyDisk(guest: g.name, host: host.name) : .createDisk(guest: g.name, host: host.name))
                    fresh.insert(g.name)
                }
            }
            if let seed = g.seedVolume, inv.volumes[seed] == nil || record.volume(host.name, seed) != artefacts[g.name]?.seed {
                out.append(.uploadSeed(guest: g.name, host: host.name))
            }
        }
        return out
    }

    /// Definitions (new, or changed XML) come in one stage, starts in a later one: a start
    /// needs its definition. A running guest whose definition changed keeps running on the old
    /// one (libvirt applies a new definition at the next boot) unless `restartChanged`: then
    /// it is shut down in between and started again.
    func domains(_ host: Host, _ inv: Inventory, fresh: Set<String>) -> (define: [Action], stop: [Action], start: [Action]) {
        var define: [Action] = [], stop: [Action] = [], start: [Action] = []
        for g in guests(on: host.name) where g.role.kind != .golden {
            let dom = inv.domains[g.domain]
            if fresh.contains(g.name) || dom == nil || dom?.configDigest != artefacts[g.name]?.domainXML {
                define.append(.defineDomain(guest: g.name, host: host.name))
            }
            if restarts(g, inv, fresh: fresh) { stop.append(.stopDomain(guest: g.name, host: host.name)) }
            if fresh.contains(g.name) || dom?.state != .running || restarts(g, inv, fresh: fresh) {
                start.append(.startDomain(guest: g.name, host: host.name))
            }
        }
        return (define, stop, start)
    }

    /// A running guest whose definition changed: restarted with `restartChanged`, otherwise
    /// left running on its old definition (and `up` says so).
    public func runsOnAnOldDefinition(_ g: Guest, _ inv: Inventory, fresh: Set<String> = []) -> Bool {
        guard let dom = inv.domains[g.domain], dom.state == .running, !fresh.contains(g.name) else { return false }
        return dom.liveDigest != artefacts[g.name]?.domainXML
    }

    func restarts(_ g: Guest, _ inv: Inventory, fresh: Set<String>) -> Bool {
        restartChanged && runsOnAnOldDefinition(g, inv, fresh: fresh)
    }

    /// Setup scripts that have not run on the guest's current disk; every guest started now
    /// and without a script is waited for, so `up` ends when every guest answers over SSH.
    func setup(_ host: Host, _ inv: Inventory, fresh: Set<String>) -> [Action] {
        guests(on: host.name).filter { $0.role.kind != .golden }.compactMap { g in
            if let digest = g.setupRecord,
               rerunSetup || fresh.contains(g.name) || record.setup[g.name]?.digest != digest {
                return .runSetup(guest: g.name, host: host.name)
            }
            let starting = fresh.contains(g.name) || inv.domains[g.domain]?.state != .running || restarts(g, inv, fresh: fresh)
            return starting && g.readiness != .none ? .waitReady(guest: g.name, host: host.name) : nil
        }
    }
}
