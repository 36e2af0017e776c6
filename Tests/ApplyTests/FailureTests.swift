import Apply
import Core
import HostFakes
import Hosts
import TestbedState
import TestSupport
import Testing

/// What `up` does when parts fail: the rest goes on, and the error says exactly what failed.
@Suite struct FailureTests {
    /// Three hosts; web's six clones spread over them, its golden image built on main.
    static func threeHosts() throws -> Testbed {
        try Testbed { lab, dir in
            lab.hosts[0].tunnelIP = IPv4("10.77.0.1")
            lab.hosts += [Lab.remote("h1", "10.77.0.11"), Lab.remote("h2", "10.77.0.12")]
            lab.guests = [Lab.guest("db", in: dir, setup: true, host: "h2", networks: ["lan", "dmz"]),
                          Lab.guest("web", in: dir, replicas: 6, golden: true, networks: ["lan", "dmz"])]
        }
    }

    func guests(on host: String, _ t: Testbed) -> [Guest] { t.state.userGuests.filter { $0.host == host } }

    /// h1 disappears in the middle of the disks stage: every later call to it fails. The other
    /// hosts finish, and the error names h1's guests only.
    @Test func aHostThatVanishesMidStageFailsOnlyItsGuests() async throws {
        let t = try Self.threeHosts()
        defer { t.remove() }
        t.lab.inject(Fault(host: "h1", op: "pool.createOverlay", .vanish, times: 1))
        let error = try #require(await t.failingUp())
        for h in ["main", "h2"] {
            for g in guests(on: h, t) { #expect(t.domain(g.name, on: h)?.state == .running, "\(g.name) on \(h)") }
        }
        #expect(t.record.setup["db"] != nil)
        let lost = guests(on: "h1", t)
        #expect(!lost.isEmpty)
        #expect(lost.allSatisfy { t.domain($0.name, on: "h1") == nil })
        let problems = error.message.split(separator: "\n").filter { $0.hasPrefix("- ") }
        #expect(!problems.isEmpty)
        #expect(problems.allSatisfy { $0.contains("host h1") }, "\(problems)")
        #expect(Set(lost.map(\.name)).isSubset(of: Set(problems.compactMap { p in lost.first { p.contains("guest \($0.name) ") }?.name })))
    }

    /// One call fails (starting web-1): only web-1 is reported; every other guest runs.
    @Test func aFailingCallFailsOnlyItsGuest() async throws {
        let t = try Self.threeHosts()
        defer { t.remove() }
        var fault = Fault.failing("domain.startPaused", object: "lab-web-1", "internal error: qemu unexpectedly closed the monitor")
        fault.times = 1
        t.lab.inject(fault)
        let error = try #require(await t.failingUp())
        #expect(error.message.contains("1 problem"))
        #expect(error.message.contains("guest web-1 on host") && error.message.contains("qemu unexpectedly closed the monitor"))
        for g in t.state.userGuests where g.name != "web-1" {
            #expect(t.domain(g.name, on: g.host)?.state == .running, "\(g.name)")
        }
        let web1 = try #require(t.state.guest(named: "web-1"))
        #expect(t.domain("web-1", on: web1.host)?.state == .shutoff)
        // The next `up` finishes the job.
        try await t.up()
        #expect(t.domain("web-1", on: web1.host)?.state == .running)
    }

    /// The golden setup fails: the service's clones are skipped on every host, the failed build
    /// is never copied, its builder is removed; db (another guest) is made as usual.
    @Test func aFailedGoldenBuildSkipsOnlyItsClones() async throws {
        let t = try Self.threeHosts()
        defer { t.remove() }
        t.lab.onExec { guest, command in
            guest == "web-golden" && command.contains("tbctl-setup-web-golden")
                ? CommandResult(status: 3, stdout: "", stderr: "apt-get: unable to locate package") : nil
        }
        let error = try #require(await t.failingUp())
        #expect(error.message.contains("1 problem"))
        #expect(error.message.contains("golden image of web (builder web-golden) on host main"))
        #expect(error.message.contains("exited with status 3"))
        #expect(!t.lab.calls.contains { $0.op == "volume.copy" || $0.op == "volume.receive" })
        for h in ["main", "h1", "h2"] {
            #expect(!t.lab.host(h).domains.keys.contains { $0.hasPrefix("lab-web-") }, "web's domains on \(h)")
            #expect(!t.lab.host(h).files.keys.contains { $0.contains("/web-") && $0.hasSuffix(".qcow2") }, "web's disks on \(h)")
        }
        let golden = try #require(t.state.service(named: "web")?.golden)
        #expect(t.record.volume("main", golden.volume) == nil)
        #expect(t.domain("db", on: "h2")?.state == .running && t.record.setup["db"] != nil)
    }

    /// A domain with a guest's name that tbctl did not make is refused and left as it is.
    @Test func aForeignDomainIsLeftAlone() async throws {
        let t = try Testbed { lab, dir in lab.guests = [Lab.guest("db", in: dir), Lab.guest("app", in: dir)] }
        defer { t.remove() }
        t.lab.edit { w in
            w.hosts["main"]?.domains["lab-db"] = DomainRecord(name: "lab-db", uuid: "user-uuid", xml: "<domain><name>lab-db</name></domain>",
                                                             state: .running)
        }
        let error = try #require(await t.failingUp())
        #expect(error.message.contains("domain lab-db on host main exists but is not part of project lab"))
        #expect(t.domain("db")?.uuid == "user-uuid" && t.domain("db")?.state == .running)
        #expect(t.domain("app")?.state == .running)
    }
}
