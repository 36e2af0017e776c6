import Apply
import Compiler
import Core
import Foundation
import HostFakes
import Hosts
import TestbedState
import TestSupport
import Testing
import Workspace

/// Many testbeds on shared hosts (docs/fleet.md): the record `up` leaves on every host, what
/// `ls` makes of the hosts, and `down` by name from that alone.
@Suite struct FleetTests {
    /// `lab` on main and h1; `lab-test` (a name `lab` is a prefix of) beside it on the same hosts.
    static func sideBySide() throws -> (lab: Testbed, labTest: Testbed) {
        let lab = try Testbed { lab, dir in
            lab.hosts.append(Lab.remote("h1", "10.77.0.11"))
            lab.guests = [Lab.guest("db", in: dir, host: "main"), Lab.guest("test-a", in: dir, host: "h1")]
        }
        let labTest = try Testbed(sharing: lab.lab) { lab, dir in
            lab.project = "lab-test"
            lab.hosts.append(Lab.remote("h1", "10.77.0.11"))
            lab.guests = [Lab.guest("a", in: dir, host: "main"), Lab.guest("b", in: dir, host: "main"), Lab.guest("c", in: dir, host: "h1")]
        }
        return (lab, labTest)
    }

    @Test func upRecordsTheTestbedOnEveryHostAndKeepsItsBirth() async throws {
        let t = try Testbed { lab, dir in
            lab.hosts.append(Lab.remote("h1", "10.77.0.11"))
            lab.guests = [Lab.guest("db", in: dir, host: "h1")]
        }
        defer { t.remove() }
        var p = t.provisioner()
        p.ttl = 3600
        let before = Date().timeIntervalSince1970
        try await p.upLocked()
        for host in ["main", "h1"] {
            let value = try #require(t.lab.host(host).hostRecords["tbctl-testbed-lab"], "\(host)")
            let r = try #require(TestbedRecord.decode(value))
            #expect(r.project == "lab" && r.hosts.map(\.name) == ["main", "h1"] && r.composeFile == t.state.composeFile)
            #expect(r.owner.contains("@") && !r.local)
            #expect(r.expires.map { $0 >= before + 3600 && $0 <= before + 3700 } == true, "\(r)")
        }
        let first = try #require(TestbedRecord.decode(t.lab.host("main").hostRecords["tbctl-testbed-lab"]!))
        // A later `up` without --ttl keeps when it was made and when it expires.
        try await t.up()
        #expect(TestbedRecord.decode(t.lab.host("h1").hostRecords["tbctl-testbed-lab"]!) == first)
        // `down` takes the record with the rest.
        try await t.provisioner().down(purge: false)
        #expect(t.lab.host("main").hostRecords.isEmpty && t.lab.host("h1").hostRecords.isEmpty)
    }

    /// `up` replacing a stale management network (a leftover of an older testbed of the name)
    /// keeps the testbed's record: it lives in the host's Open_vSwitch row, not in the network.
    @Test func theRecordOutlivesAReplacedManagementNetwork() async throws {
        let t = try Testbed { lab, dir in lab.guests = [Lab.guest("db", in: dir)] }
        defer { t.remove() }
        var p = t.provisioner()
        p.ttl = 600
        try await p.upLocked()
        let before = try #require(t.lab.host("main").hostRecords["tbctl-testbed-lab"])
        // The guest is gone and the network left with another subnet: the next `up` replaces it.
        t.lab.edit { w in
            w.hosts["main"]?.domains = [:]
            w.hosts["main"]?.networks["lab-mgmt"]?.address = NetworkAddress(address: "10.99.0.1", netmask: "255.255.255.0")
        }
        try await t.up()
        #expect(t.lab.host("main").networks["lab-mgmt"]?.address == (try t.state.hosts[0].management.hostAddress()))
        #expect(t.lab.host("main").hostRecords["tbctl-testbed-lab"] == before)
    }

    @Test func lsCountsEachTestbedByItsExactName() async throws {
        let (lab, labTest) = try Self.sideBySide()
        defer { lab.remove(); labTest.remove() }
        try await lab.up()
        try await labTest.up()
        let results = await Fleet(connector: lab.lab).survey([lab.state.hosts[0]])
        // Asked only main, the survey goes on to h1, which the records name.
        #expect(results.map(\.host.name) == ["main", "h1"])
        let list = TestbedListing.list(results, now: Date().timeIntervalSince1970)
        #expect(list.map(\.project) == ["lab", "lab-test"])
        // `lab-test-a` (a domain of lab, guest test-a) and lab-test's domains are told apart by their marks.
        #expect(list[0].guests == ["running": 2] && list[1].guests == ["running": 3], "\(list)")
        #expect(list.allSatisfy { $0.hosts == ["main", "h1"] && $0.expires == nil && !$0.expired && $0.unreachable.isEmpty })
    }

    @Test func downByNameRemovesOnlyThatTestbedEverywhere() async throws {
        let (lab, labTest) = try Self.sideBySide()
        defer { lab.remove(); labTest.remove() }
        try await lab.up()
        try await labTest.up()
        let results = await Fleet(connector: lab.lab).survey([lab.state.hosts[0]])
        let hosts = Fleet.hosts(of: "lab", in: results)
        #expect(hosts.map(\.name) == ["main", "h1"] && hosts.map(\.pool) == ["tbctl-lab", "tbctl-lab"])
        // No state, no folder: what the records say is enough.
        let scratch = Workspace(composeFile: lab.dir + "/elsewhere/testbed.yaml")
        try scratch.ensureRoot()
        let remains = Fleet.remains(project: "lab", composeFile: "", hosts: hosts)
        try await Provisioner(state: remains, workspace: scratch, progress: lab.progress, connector: lab.lab).down(purge: true)
        for host in ["main", "h1"] {
            let h = lab.lab.host(host)
            #expect(h.domains.keys.sorted() == (host == "main" ? ["lab-test-a", "lab-test-b"] : ["lab-test-c"]), "\(host)")
            #expect(h.hostRecords.keys.sorted() == ["tbctl-testbed-lab-test"], "\(host)")
            #expect(h.networks.keys.sorted() == ["lab-test-mgmt"] && h.pools.keys.sorted() == ["tbctl-lab-test"], "\(host)")
            #expect(h.bridges.values.allSatisfy { $0.externalIDs["tbctl-project"] == "lab-test" } && !h.bridges.isEmpty, "\(host)")
        }
        let after = TestbedListing.list(await Fleet(connector: lab.lab).survey([lab.state.hosts[0]]), now: 0)
        #expect(after.map(\.project) == ["lab-test"])
    }

    @Test func aTestbedExpiresAtItsTime() async throws {
        let t = try Testbed { lab, dir in lab.guests = [Lab.guest("db", in: dir)] }
        defer { t.remove() }
        var p = t.provisioner()
        p.ttl = 60
        try await p.upLocked()
        let results = await Fleet(connector: t.lab).survey(t.state.hosts)
        let now = Date().timeIntervalSince1970
        #expect(TestbedListing.list(results, now: now).first?.expired == false)
        let later = try #require(TestbedListing.list(results, now: now + 61).first)
        #expect(later.expired && later.secondsLeft.map { $0 < 0 } == true)
        // extend: a new expiry on every host of the record.
        let record = try #require(Fleet.record("lab", in: results))
        #expect(await Fleet(connector: t.lab).setExpiry(record, expires: now + 7200, on: record.hosts).isEmpty)
        let again = TestbedListing.list(await Fleet(connector: t.lab).survey(t.state.hosts), now: now + 61)
        #expect(again.first?.expired == false && again.first?.expires == now + 7200)
    }

    @Test func anUnreachableHostIsListedAsSuch() async throws {
        let (lab, labTest) = try Self.sideBySide()
        defer { lab.remove(); labTest.remove() }
        try await lab.up()
        lab.lab.inject(Fault(host: "h1", .vanish))
        let results = await Fleet(connector: lab.lab).survey([lab.state.hosts[0]])
        let list = TestbedListing.list(results, now: 0)
        #expect(list.map(\.project) == ["lab"] && list[0].unreachable == ["h1"] && list[0].guests == ["running": 1])
        #expect(results.contains { $0.host.name == "h1" && (try? $0.result.get()) == nil })
    }

    /// `up --local`: every guest on the master, same names and guest addresses; back on the
    /// hosts after, each guest where `hosts:` and `host:` put it.
    @Test func localModePutsEveryGuestOnTheMaster() throws {
        var lab = Lab()
        lab.hosts.append(Lab.remote("h1", "10.77.0.11"))
        lab.guests = [Lab.guest("a", host: "h1"), Lab.guest("b", host: "main"), Lab.guest("web", replicas: 2)]
        func compile(local: Bool, previous: TestbedState?) throws -> TestbedState {
            var input = CompileInput(compose: lab.compose, composeDigest: "c0ffee", projectKey: Lab.key, previous: previous,
                                     replicaOverrides: [:], knownHostsFile: "/lab/.testbed/known_hosts",
                                     digest: { Digest.sha256Hex(Array($0.utf8)) }, header: { _ in [0x51, 0x46, 0x49, 0xfb] })
            input.local = local
            return try Compiler.compile(input)
        }
        let real = try compile(local: false, previous: nil)
        let local = try compile(local: true, previous: real)
        #expect(local.isLocal && local.hosts.map(\.name) == ["main"] && local.guests.allSatisfy { $0.host == "main" })
        #expect(local.retiredHosts?.map(\.name) == ["h1"])
        #expect(local.userGuests.map(\.name) == real.userGuests.map(\.name))
        for g in real.userGuests { #expect(local.ip(g.name, "lan") == real.ip(g.name, "lan"), "\(g.name)") }
        let back = try compile(local: false, previous: local)
        #expect(!back.isLocal && back.local == nil && back.guest(named: "a")?.host == "h1")
        #expect(Dictionary(uniqueKeysWithValues: back.guests.map { ($0.name, $0.host) }) == Dictionary(uniqueKeysWithValues: real.guests.map { ($0.name, $0.host) }))
    }
}
