import Apply
import Core
import HostFakes
import Hosts
import Plan
import TestbedState
import TestSupport
import Testing

/// `up` through fake hosts: what it makes, in which order, and what a second run does.
@Suite struct UpTests {
    @Test func upMakesTheHostMatchTheStateAndASecondUpChangesNothing() async throws {
        let t = try Testbed.webAndDB()
        defer { t.remove() }
        try await t.up()
        let main = t.lab.host("main")
        #expect(Set(main.domains.keys) == ["lab-web-0", "lab-web-1", "lab-db"])   // the golden builder is gone
        #expect(main.domains.values.allSatisfy { $0.state == .running })
        let pool = main.pools["tbctl-lab"]
        #expect(pool?.active == true && pool?.autostart == true)
        let golden = try #require(t.state.service(named: "web")?.golden)
        let web0 = try #require(t.state.guest(named: "web-0"))
        #expect(main.files[web0.disk.volume.inPool]?.backingPath == golden.volume.inPool)   // a linked clone
        #expect(main.files[golden.volume.inPool]?.backingPath == t.state.images[0].volume.inPool)
        #expect(main.networks["lab-mgmt"]?.active == true && main.networks["lab-mgmt"]?.dhcp.count == t.state.guests.count)
        #expect(Set(main.bridges.keys) == Set(t.state.networks.filter { $0.hosts.contains("main") }.map(\.bridge)))
        #expect(t.record.setup["db"]?.digest == t.state.guest(named: "db")?.setupDigest)
        #expect(t.record.volume("main", golden.volume) == "built:\(golden.setupDigest)")
        #expect(t.domain("db")?.execs.contains { $0.contains("sh /tmp/tbctl-setup-db.sh") } == true)

        let before = t.lab.calls.count
        try await t.up()
        let second = t.lab.calls.dropFirst(before)
        #expect(!second.contains { ["domain.define", "domain.startPaused", "pool.createOverlay", "guest.exec"].contains($0.op) })
        #expect(t.output.current.last { $0.contains("nothing to do") } != nil)
    }

    /// The golden builder is sealed for cloning (cloud-init clean, machine-id, host keys, logs)
    /// and powered off from inside over the session its setup ran on: no ACPI, no forced stop.
    @Test func theGoldenBuilderIsSealedAndPoweredOffFromInside() async throws {
        let t = try Testbed.webAndDB()
        defer { t.remove() }
        let commands = Locked<[(String, String)]>([])
        t.lab.onExec { guest, command in commands.withLock { $0.append((guest, command)) }; return nil }
        try await t.up()
        let builder = commands.withLock { $0 }.filter { $0.0 == "web-golden" }.map(\.1)
        let setup = try #require(builder.firstIndex { $0.contains("tbctl-setup-web-golden.sh") })
        let seal = try #require(builder.firstIndex { $0.contains("cloud-init clean --logs") && $0.contains("/etc/machine-id") })
        let off = try #require(builder.firstIndex { $0.contains("poweroff") && !$0.contains("cloud-init") })
        #expect(setup < seal && seal < off)
        let calls = t.lab.calls.filter { $0.object == "lab-web-golden" }.map(\.op)
        #expect(!calls.contains("domain.shutdown") && !calls.contains("domain.destroy") && calls.contains("domain.undefine"))
        #expect(t.lab.calls.filter { $0.op == "guest.connect" && $0.object == "web-golden" }.count == 1)   // one session
    }

    /// The stages run in the planner's order, and each one's work happens after the work it
    /// needs: pool before volumes, networks before starts, golden image before its clones,
    /// definitions before starts, starts before setup.
    @Test func stagesRunInOrder() async throws {
        let t = try Testbed.webAndDB()
        defer { t.remove() }
        try await t.up()
        #expect(t.stagesRun == ["hosts", "networks", "images", "golden images", "disks", "definitions", "start", "setup"])
        let calls = t.lab.calls
        func matches(_ c: Call, _ op: String, _ object: String) -> Bool { c.op == op && (object.isEmpty || c.object.contains(object)) }
        func first(_ op: String, _ object: String = "") -> Int { calls.firstIndex { matches($0, op, object) } ?? -1 }
        let clone = { (c: Call) in c.object.hasPrefix("lab-web-") && !c.object.contains("golden") }
        let firstCloneResume = calls.firstIndex { $0.op == "domain.resume" && clone($0) } ?? -1
        // The start stage boots its guests concurrently, in no promised order among them: its
        // first start is whichever guest (not the golden builder, started a stage earlier) went first.
        let firstStart = calls.firstIndex { $0.op == "domain.startPaused" && !$0.object.contains("golden") } ?? -1
        func last(_ op: String, _ object: String = "") -> Int { calls.lastIndex { matches($0, op, object) } ?? -1 }
        let order = [
            last("pool.create"), first("network.create"), last("network.create"), first("ovs.apply"), last("ovs.apply"),
            first("volume.upload", "base-demo"), last("volume.upload", "base-demo"),
            first("guest.exec", "web-golden"), last("domain.undefine", "lab-web-golden"),
            first("pool.createOverlay", "web-0"), last("domain.define", "lab-db"),
            firstStart, firstCloneResume, last("domain.resume"),
            first("guest.exec", "db"),
        ]
        #expect(!order.contains(-1))
        #expect(order == order.sorted(), "calls out of order: \(order)")
        #expect(last("domain.startPaused") < last("domain.resume"))
    }

    /// A stage runs at most `width` actions at once: each disk waits (up to half a second) for a
    /// third to be in flight with it, which never comes when the runner keeps to two.
    @Test func aStageKeepsToTheRunnersWidth() async throws {
        let t = try Testbed { lab, dir in lab.guests = [Lab.guest("web", in: dir, replicas: 4)] }
        defer { t.remove() }
        // Each overlay waits (up to 1.5 s: a loaded machine is slow to start the second) for a third that must never come.
        t.lab.inject(Fault(op: "pool.createOverlay", .barrier(count: 3, timeout: .milliseconds(1500))))
        let hosts = await HostSet.connect(t.state, via: t.lab)
        defer { Task { await hosts.closeAll() } }
        let context = try ApplyContext(state: t.state, workspace: t.workspace, hosts: hosts, progress: t.progress)
        let inventory = try await #require(hosts["main"]).inventory(project: t.state.project)
        let planner = Planner(state: t.state, inventories: ["main": inventory], record: t.record,
                              artefacts: try ApplyContext.artefactDigests(t.state, t.workspace))
        var runner = StageRunner(context: context)
        runner.width = 2
        let failures = try await runner.run(planner.plan())
        #expect(failures.isEmpty)
        #expect(t.lab.maxConcurrent("pool.createOverlay") == 2)
        #expect(t.lab.host("main").domains.values.filter { $0.state == .running }.count == 4)
    }
}

extension String {
    /// The volume's path in the project pool `lab` (the same on every host).
    var inPool: String { "/var/lib/libvirt/tbctl/lab/" + self }
}

/// A management network left on the host with another subnet (the compose file's
/// `management:` changed, or an older testbed of that name left it behind).
@Suite struct StaleManagementNetworkTests {
    static let stale = NetworkAddress(address: "10.99.0.1", netmask: "255.255.255.0")

    func leaveStaleNetwork(_ t: Testbed) {
        t.lab.edit { w in
            w.hosts["main"]?.networks["lab-mgmt"] = NetworkRecord(name: "lab-mgmt", bridge: "old", active: true, address: Self.stale)
        }
    }

    /// Nothing of the project runs: the network is replaced, and the guests get the new one.
    @Test func isReplacedWhenNoGuestRunsOnIt() async throws {
        let t = try Testbed.webAndDB()
        defer { t.remove() }
        leaveStaleNetwork(t)
        try await t.up()
        let net = try #require(t.lab.host("main").networks["lab-mgmt"])
        #expect(net.address == (try t.state.hosts[0].management.hostAddress()))
        #expect(net.active && net.dhcp.count == t.state.guests.count)
        #expect(t.lab.host("main").domains.values.allSatisfy { $0.state == .running })
    }

    /// Guests of the project run on it: replacing it would cut them off, so `up` says so.
    @Test func isAConflictWhileGuestsRunOnIt() async throws {
        let t = try Testbed.webAndDB()
        defer { t.remove() }
        try await t.up()
        t.lab.edit { w in w.hosts["main"]?.networks["lab-mgmt"]?.address = Self.stale }
        let error = try #require(await t.failingUp())
        #expect(error.description.contains("lab-mgmt on main has 10.99.0.1"))
        #expect(error.description.contains("tbctl down"))
        #expect(t.lab.host("main").networks["lab-mgmt"]?.address == Self.stale)   // left as it was
        #expect(t.lab.host("main").domains.values.allSatisfy { $0.state == .running })
    }
}
