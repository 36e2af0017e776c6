import Compiler
import OVSModel
import Plan
import TestbedState
import TestSupport
import Testing

@Suite struct PlannerTests {
    let state: TestbedState = {
        var l = Lab()
        l.guests = [Lab.guest("db", networks: ["lan", "dmz"]), Lab.guest("web", replicas: 2, golden: true)]
        var g = Lab.guest("db", networks: ["lan", "dmz"])
        g.setup = "/lab/db.sh"
        l.guests[0] = g
        return try! l.compile()
    }()

    var artefacts: [String: Planner.ArtefactDigests] {
        Dictionary(uniqueKeysWithValues: state.guests.map { ($0.name, .init(seed: "s-\($0.name)", domainXML: "x-\($0.name)")) })
    }

    /// What the host has after a complete `up`, and what tbctl recorded.
    func converged() -> (Inventory, AppliedRecord) {
        let h = state.hosts[0]
        var inv = Inventory(host: h.name, poolActive: true, managementActive: true,
                            dhcpHosts: Set(state.guests.map(Inventory.DHCPHost.init)),
                            bridges: reported(desiredBridges(state, host: h)))
        var rec = AppliedRecord()
        for i in state.images { inv.volumes[i.volume] = .init(name: i.volume, backingPath: nil, capacityBytes: 1); rec.setVolume(h.name, i.volume, i.sha256) }
        let golden = state.services[0].golden!
        inv.volumes[golden.volume] = .init(name: golden.volume, backingPath: "x", capacityBytes: 1)
        rec.setVolume(h.name, golden.volume, "built")
        for g in state.guests {
            let seed = g.seedVolume!
            inv.volumes[seed] = .init(name: seed, backingPath: nil, capacityBytes: 1)
            rec.setVolume(h.name, seed, "s-\(g.name)")
            guard g.role.kind != .golden else { continue }
            inv.volumes[g.disk.volume] = .init(name: g.disk.volume, backingPath: h.poolPath + "/" + g.disk.backingVolume, capacityBytes: 1)
            inv.domains[g.domain] = .init(name: g.domain, state: .running, configDigest: "x-\(g.name)")
            if let d = g.setupDigest { rec.setup[g.name] = .init(digest: d, at: "t") }
        }
        return (inv, rec)
    }

    func plan(_ inv: Inventory, _ rec: AppliedRecord) -> [Stage] {
        Planner(state: state, inventories: [inv.host: inv], record: rec, artefacts: artefacts).plan()
    }

    @Test func emptyHostGetsEverythingInStageOrder() {
        let stages = plan(Inventory(host: "main"), AppliedRecord())
        #expect(stages.map(\.kind) == [.hostPrep, .network, .images, .golden, .disks, .define, .start, .setup])
        #expect(stages.first { $0.kind == .golden }?.actions == [.buildGolden(service: "web", host: "main")])
        #expect(stages.first { $0.kind == .setup }?.actions == [.runSetup(guest: "db", host: "main"),
                                                                 .waitReady(guest: "web-0", host: "main"),
                                                                 .waitReady(guest: "web-1", host: "main")])
        let guests = stages.first { $0.kind == .start }!.actions
        #expect(guests.contains(.startDomain(guest: "web-1", host: "main")))
        #expect(!guests.contains { $0.guest == "web-golden" })
    }

    @Test func convergedHostNeedsNothing() {
        let (inv, rec) = converged()
        #expect(plan(inv, rec) == [])
    }

    @Test func aDestroyedGuestIsOnlyStarted() {
        var (inv, rec) = converged()
        inv.domains["lab-web-1"]?.state = .shutoff
        #expect(plan(inv, rec) == [Stage(kind: .start, actions: [.startDomain(guest: "web-1", host: "main")]),
                                   Stage(kind: .setup, actions: [.waitReady(guest: "web-1", host: "main")])])
    }

    @Test func anInterruptedImageUploadIsRedone() {
        var (inv, rec) = converged()
        rec.setVolume("main", state.images[0].volume, nil)
        #expect(plan(inv, rec) == [Stage(kind: .images, actions: [.importImage(image: "demo", host: "main")])])
    }

    @Test func aLostDiskIsRecreatedAndSetupRunsAgain() {
        var (inv, rec) = converged()
        inv.volumes["db.qcow2"] = nil
        let stages = plan(inv, rec)
        #expect(stages.flatMap(\.actions) == [.createDisk(guest: "db", host: "main"), .defineDomain(guest: "db", host: "main"),
                                              .startDomain(guest: "db", host: "main"), .runSetup(guest: "db", host: "main")])
    }

    /// A stopped pool reads as "no volumes": the plan must not make every disk again (which
    /// would stop the running guests); it starts the pool and says that the rest follows.
    @Test func aStoppedPoolPlansOnlyItsStart() {
        var (inv, rec) = converged()
        inv.poolActive = false
        inv.volumes = [:]
        let planner = Planner(state: state, inventories: [inv.host: inv], record: rec, artefacts: artefacts)
        #expect(planner.plan() == [Stage(kind: .hostPrep, actions: [.createPool(host: "main")])])
        #expect(planner.stoppedPools == ["main"])
    }

    /// Guests added or removed (`scale`) after the management network was made: its DHCP
    /// entries are brought up to date live, nothing else changes.
    @Test func dhcpEntriesFollowTheGuests() {
        var (inv, rec) = converged()
        let web1 = state.guest(named: "web-1")!
        inv.dhcpHosts.remove(Inventory.DHCPHost(web1))
        #expect(plan(inv, rec) == [Stage(kind: .network, actions: [.updateDHCPHosts(host: "main")])])
        (inv, rec) = converged()
        inv.dhcpHosts.insert(Inventory.DHCPHost(mac: "52:54:00:00:00:99", name: "web-9", ip: "10.150.0.99"))
        #expect(plan(inv, rec) == [Stage(kind: .network, actions: [.updateDHCPHosts(host: "main")])])
    }

    @Test func leftoversOfTheProjectArePruned() {
        var (inv, rec) = converged()
        inv.domains["lab-web-7"] = .init(name: "lab-web-7", state: .running, configDigest: nil)
        inv.volumes["web-7.qcow2"] = .init(name: "web-7.qcow2", backingPath: nil, capacityBytes: 1)
        inv.bridges += reported([DesiredBridge(name: "tb-lab-old", datapath: .netdev, project: "lab", network: "old")])
        let actions = plan(inv, rec).flatMap(\.actions)
        #expect(actions.contains(.removeDomain(domain: "lab-web-7", host: "main")))
        #expect(actions.contains(.removeVolume(volume: "web-7.qcow2", host: "main")))
        #expect(actions.contains(.configureBridges(host: "main", changes: ["- bridge tb-lab-old"])))
    }

    /// After a host reboot OVS keeps the gateway port but not its address: plan and up agree
    /// that the bridge needs work (they share OVSPlan), so `up` repairs it.
    @Test func aGatewayThatLostItsAddressIsReconfigured() throws {
        var (inv, rec) = converged()
        let b = try #require(inv.bridges.firstIndex { $0.name.hasSuffix("-dmz") })
        let p = try #require(inv.bridges[b].ports.firstIndex { $0.type == "internal" && !$0.addresses.isEmpty })
        inv.bridges[b].ports[p].addresses = []
        inv.bridges[b].ports[p].isUp = false
        let actions = plan(inv, rec).flatMap(\.actions)
        #expect(actions.count == 1)
        guard case .configureBridges(_, let changes) = try #require(actions.first) else { Issue.record("\(actions)"); return }
        #expect(changes.count == 1 && changes[0].contains("missing") && changes[0].contains("link down"))
    }

    @Test func changedDomainXMLIsRedefinedNotRestarted() {
        var (inv, rec) = converged()
        inv.domains["lab-db"]?.configDigest = "old"
        inv.domains["lab-db"]?.liveDigest = "old"
        #expect(plan(inv, rec).flatMap(\.actions) == [.defineDomain(guest: "db", host: "main")])
    }

    /// Redefined by an earlier `up`, still running on the definition it booted with: nothing to
    /// do unless restarts are asked for; then a shutdown, a start and a wait for SSH (its
    /// setup already ran on this disk and does not run again).
    @Test func aGuestOnItsOldDefinitionIsRestartedOnlyWhenAsked() throws {
        var (inv, rec) = converged()
        inv.domains["lab-db"]?.liveDigest = "old"
        var p = Planner(state: state, inventories: [inv.host: inv], record: rec, artefacts: artefacts)
        #expect(p.plan().isEmpty)
        let db = try #require(state.guests.first { $0.name == "db" })
        #expect(p.runsOnAnOldDefinition(db, inv))
        p.restartChanged = true
        #expect(p.plan().map(\.kind) == [.stop, .start, .setup])
        #expect(p.plan().flatMap(\.actions) == [.stopDomain(guest: "db", host: "main"), .startDomain(guest: "db", host: "main"),
                                                .waitReady(guest: "db", host: "main")])
        // A guest that is not running is simply started with the new definition.
        inv.domains["lab-db"]?.state = .shutoff
        p = Planner(state: state, inventories: [inv.host: inv], record: rec, artefacts: artefacts)
        p.restartChanged = true
        #expect(p.plan().flatMap(\.actions) == [.startDomain(guest: "db", host: "main"), .waitReady(guest: "db", host: "main")])
    }

    @Test func rerunSetupRunsEverySetup() {
        let (inv, rec) = converged()
        var p = Planner(state: state, inventories: [inv.host: inv], record: rec, artefacts: artefacts)
        p.rerunSetup = true
        #expect(p.plan().flatMap(\.actions) == [.runSetup(guest: "db", host: "main")])
    }
}
