@testable import Apply
import ComposeModel
import Core
import HostFakes
import Hosts
import Plan
import TestbedState
import TestSupport
import Testing

/// Guests whose image has no cloud-init (issue 16), through fake hosts: no seed, a full copy
/// instead of a linked clone, readiness by the declared means, refusals naming the guest.
@Suite struct ApplianceTests {
    static func lab() throws -> Testbed {
        try Testbed { lab, dir in
            var router = Lab.guest("router", in: dir, setup: true)
            router.seed = false
            router.login = LoginSpec(user: "admin", keyFile: dir + "/golden.sh", passwordFile: nil)
            router.fullCopy = true
            router.files = [FileSpec(source: dir + "/golden.sh", destination: "/etc/router/")]
            var box = Lab.guest("box", in: dir)
            box.seed = false
            var sensor = Lab.guest("sensor", in: dir)
            sensor.seed = false
            sensor.wait = .port(8080)
            lab.guests = [router, box, sensor, Lab.guest("web", in: dir)]
        }
    }

    @Test func appliancesComeUpWithoutSeeds() async throws {
        let t = try Self.lab()
        defer { t.remove() }
        // The plan says which disk is a full copy, and what a port wait waits for.
        let plan = try await t.provisioner().plan().stages.flatMap(\.actions)
        #expect(plan.contains(.copyDisk(guest: "router", host: "main")) && plan.contains(.createDisk(guest: "box", host: "main")))
        #expect(Action.copyDisk(guest: "router", host: "main").summary == "create full copy disk of router on main")
        try await t.up()
        let files = t.lab.host("main").files
        let pool = t.state.host(named: "main")!.poolPath
        // No seed for the appliances; the cloud-init guest keeps its own.
        for g in ["router", "box", "sensor"] {
            #expect(files[pool + "/" + g + "-seed.iso"] == nil, "\(g)")
            #expect(t.domain(g)?.xml.contains("device='cdrom'") == false, "\(g)")
            #expect(t.domain(g)?.state == .running, "\(g)")
        }
        #expect(files[pool + "/web-seed.iso"] != nil && t.domain("web")?.xml.contains("device='cdrom'") == true)
        // The full copy has no backing file and was compared with its image; the others are overlays.
        let router = try #require(files[pool + "/router.qcow2"])
        #expect(router.backingPath == nil && router.content.hasPrefix("full copy of "))
        #expect(t.record.volume("main", "router.qcow2") == t.state.guest(named: "router")?.disk.copyRecord)
        #expect(t.lab.calls.contains { $0.op == "runner.qemu-img" && $0.object.hasSuffix("router.qcow2") })
        #expect(files[pool + "/box.qcow2"]?.backingPath != nil)
        // The router's setup ran with its login; `box` (wait: none) was not waited for; the
        // sensor's port was probed, never an SSH login.
        #expect(t.domain("router")?.execs.contains { $0.contains("tbctl-setup-router.sh") } == true)
        #expect(t.domain("router")?.guestFiles["/etc/router/golden.sh"] == Array("echo golden\n".utf8), "files copied over SSH")
        let connects = t.lab.calls.filter { $0.op == "guest.connect" }.map(\.object)
        #expect(!connects.contains("box") && !connects.contains("sensor") && connects.contains("web"))
        #expect(t.lab.calls.contains { $0.op == "guest.probe" && $0.object == "sensor:8080" })
        // A second `up` changes nothing: the full copy's record matches.
        let second = try await t.provisioner().plan()
        #expect(second.stages.allSatisfy { $0.actions.isEmpty }, "\(second.stages)")
    }

    /// A service of appliance clones with a golden setup: the builder boots without a seed and
    /// is logged in to with the service's login.
    @Test func anApplianceGoldenImageIsBuiltWithItsLogin() async throws {
        let t = try Testbed { lab, dir in
            var fw = Lab.guest("fw", in: dir, replicas: 2, golden: true)
            fw.seed = false
            fw.login = LoginSpec(user: "admin", keyFile: dir + "/setup.sh", passwordFile: nil)
            lab.guests = [fw]
        }
        defer { t.remove() }
        try await t.up()
        let pool = t.state.host(named: "main")!.poolPath
        #expect(t.lab.host("main").files.keys.filter { $0.hasPrefix(pool) && $0.hasSuffix("-seed.iso") }.isEmpty)
        #expect(t.lab.calls.contains { $0.op == "guest.connect" && $0.object == "fw-golden" })
        #expect(t.domain("fw-0")?.state == .running && t.domain("fw-1")?.state == .running)
    }

    /// A guest that never answers its declared wait is an error naming it and the port.
    @Test func aPortThatNeverAnswersIsNamed() async throws {
        let t = try Self.lab()
        defer { t.remove() }
        try await t.up()
        t.lab.edit { $0.hosts["main"]?.domains["lab-sensor"]?.state = .shutoff }
        let hosts = await HostSet.connect(t.state, via: t.lab)
        defer { Task { await hosts.closeAll() } }
        let context = try ApplyContext(state: t.state, workspace: t.workspace, hosts: hosts, progress: t.progress)
        let sensor = try #require(t.state.guest(named: "sensor"))
        let e = await #expect(throws: TBError.self) {
            try await Executor(context: context).waitForPort(sensor, 8080, on: try #require(hosts["main"]), timeout: .milliseconds(300))
        }
        #expect(e?.code == .timeout && e?.message.contains("guest sensor did not accept a connection on port 8080") == true, "\(String(describing: e))")
    }

    @Test func loginlessGuestsAreRefusedByName() async throws {
        let t = try Self.lab()
        defer { t.remove() }
        try await t.up()
        let box = try #require(t.state.guest(named: "box"))
        #expect(throws: Never.self) { try GuestSelection.requireLogin([t.state.guest(named: "router")!], for: "exec") }
        let e = #expect(throws: TBError.self) { try GuestSelection.requireLogin([box], for: "exec") }
        #expect(e?.code == .invalidInput && e?.message.contains("guest box has no login") == true, "\(String(describing: e))")
        // A session is refused by the host seam too (the conditions and the scenario runner use it).
        let host = try await t.lab.connect(t.state.host(named: "main")!)
        await #expect(throws: TBError.self) { try await host.guestSession(box, user: "root", keyFile: "/k") }
    }
}
