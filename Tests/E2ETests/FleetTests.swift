import Core
import Foundation
import Libvirt
import TestbedState
import Testing

extension E2E {
/// Many testbeds on shared hosts (docs/fleet.md): `ls` over every testbed, `down --project`
/// from another folder (and with the folder gone), a time to live and `reap`, `up --local`.
@Suite(.serialized) struct FleetTests {
    struct Ls: Decodable {
        struct Testbed: Decodable {
            var project: String, owner: String?, composeFile: String?, hosts: [String], guests: [String: Int]
            var secondsLeft: Double?, expired: Bool, local: Bool, diskBytes: UInt64, unreachable: [String]
        }
        var testbeds: [Testbed]
        func testbed(_ project: String) -> Testbed? { testbeds.first { $0.project == project } }
    }
    struct Reap: Decodable { var dryRun: Bool; var expired: [Ls.Testbed]; var removed: [String] }
    struct Extend: Decodable { var project: String; var secondsLeft: Double }

    static let h1 = ["--host", "root@10.77.0.11", "--identity", FakeHosts.clientKey, "--known-hosts", FakeHosts.base + "/client/known_hosts"]

    /// tbctl run from `folder` (not a testbed's).
    static func tbctl(in folder: String = "/tmp", _ args: [String]) async throws -> CommandResult {
        try await Subprocess.run(["bash", "-c", "cd \"$0\" && exec \"$@\"", folder, Repo.tbctl] + args)
    }

    static func ls() async throws -> Ls {
        let r = try await tbctl(["ls", "--json"])
        return try #require(try? JSONDecoder().decode(Ls.self, from: Data(r.stdout.utf8)), "\(r.stdout)\(r.stderr)")
    }

    /// Domain name -> state on a host.
    static func domains(_ uri: String) async throws -> [String: String] {
        let lv = try await LibvirtConnection.open(uri)
        var out: [String: String] = [:]
        for d in try await lv.allDomains() { out[d.name] = "\(try await d.state())" }
        let nets = try await lv.allNetworks().map(\.name)
        for n in nets { out["net:" + n] = "network" }
        await lv.close()
        return out
    }

    /// The testbed records in a host's Open_vSwitch row (their keys).
    static func records(_ host: String) async throws -> String {
        let argv = ["ovs-vsctl", "--format=json", "--columns=external_ids", "list", "Open_vSwitch"]
        return host == "main" ? try await Subprocess.run(argv).stdout : try await FakeHosts.exec(host, argv).stdout
    }

    @Test func twoTestbedsListedAndRemovedByName() async throws {
        try await FakeHosts.up(["h1"])
        let lab = try TestLab(fixture: "fleet-lab")
        let labTest = try TestLab(fixture: "fleet-labtest")
        defer { lab.removeDir(); labTest.removeDir() }
        for l in [lab, labTest] { try l.replace("KEY", with: FakeHosts.clientKey) }
        for p in ["lab", "lab-test"] { _ = try await Self.tbctl(["down", "--project", p, "--purge"] + Self.h1) }

        let up = try await lab.json(CLI.Apply.self, "up", "--ttl", "2h")
        #expect(up.status == 0, "\(up)")
        let up2 = try await labTest.json(CLI.Apply.self, "up")
        #expect(up2.status == 0, "\(up2)")

        // Both listed from a folder of neither, with their own guests only (lab's test-a is
        // domain lab-test-a: lab-test must not count it).
        var list = try await Self.ls()
        let l = try #require(list.testbed("lab")), lt = try #require(list.testbed("lab-test"))
        #expect(l.guests == ["running": 2] && lt.guests == ["running": 2], "\(list)")
        #expect(l.hosts == ["main", "h1"] && lt.hosts == ["main", "h1"] && l.unreachable.isEmpty)
        #expect(l.composeFile == lab.compose && lt.composeFile == labTest.compose && l.owner?.contains("@") == true)
        #expect(l.secondsLeft.map { $0 > 7000 && $0 <= 7200 } == true && lt.secondsLeft == nil && !l.expired)
        #expect(l.diskBytes > 0 && lt.diskBytes > 0)
        let text = try await Self.tbctl(["ls"]).stdout
        #expect(text.contains("\nlab ") && text.contains("\nlab-test "), "\(text)")

        // extend, then status shows the time left.
        let ext = try await lab.json(Extend.self, "extend", "1h")
        #expect(ext.status == 0 && (ext.document?.secondsLeft ?? 0) > 10700, "\(ext)")
        #expect(try await lab.tbctl("status").stdout.contains("expires in 2h 5"))

        // down --project lab from another folder: lab goes from main and h1; lab-test stays.
        let main = try lab.state.hosts[0].libvirtURI, remote = try lab.state.hosts[1].libvirtURI
        let down = try await Self.tbctl(["down", "--project", "lab", "--json"])
        #expect(down.status == 0, "\(down.stdout)\(down.stderr)")
        let onMain = try await Self.domains(main), onH1 = try await Self.domains(remote)
        #expect(onMain["lab-a"] == nil && onMain["net:lab-mgmt"] == nil && onMain["lab-test-b"] == "running", "\(onMain)")
        #expect(onH1["lab-test-a"] == nil && onH1["net:lab-mgmt"] == nil && onH1["lab-test-c"] == "running", "\(onH1)")
        #expect(onMain["net:lab-test-mgmt"] != nil && onH1["net:lab-test-mgmt"] != nil)
        for host in ["main", "h1"] {
            let r = try await Self.records(host)
            #expect(!r.contains("\"tbctl-testbed-lab\"") && r.contains("\"tbctl-testbed-lab-test\""), "\(host): \(r)")
        }
        #expect(try await Leftovers.of(project: "lab").bridges.isEmpty)
        #expect(try await Leftovers.of(project: "lab-test").bridges.count == 1)
        list = try await Self.ls()
        #expect(list.testbed("lab") == nil && list.testbed("lab-test")?.guests == ["running": 2], "\(list)")

        // lab-test with its folder gone: the records are enough, on both hosts.
        labTest.removeDir()
        let gone = try await Self.tbctl(["down", "--project", "lab-test", "--purge", "--json"])
        #expect(gone.status == 0, "\(gone.stdout)\(gone.stderr)")
        let after = try await Self.domains(main).merging(try await Self.domains(remote)) { a, _ in a }
        #expect(!after.keys.contains { $0.hasPrefix("lab-test-") || $0.hasPrefix("net:lab-test") }, "\(after)")
        for host in ["main", "h1"] { #expect(!(try await Self.records(host)).contains("tbctl-testbed-lab"), "\(host)") }
        #expect(try await Leftovers.of(project: "lab-test") == Leftovers())

        #expect(try await lab.tbctl("down", "--purge").status == 0)
        try await FakeHosts.down()
    }

    @Test func anExpiredTestbedIsRemovedByReapAndNotBefore() async throws {
        let lab = try TestLab(fixture: "fleet-ttl")
        defer { lab.removeDir() }
        _ = try await Self.tbctl(["down", "--project", "e2ettl", "--purge"])
        let began = ContinuousClock.now
        let up = try await lab.json(CLI.Apply.self, "up")
        #expect(up.status == 0, "\(up)")
        let t = try #require(try await Self.ls().testbed("e2ettl"))
        #expect(!t.expired && t.secondsLeft.map { $0 <= 60 } == true, "\(t)")
        #expect(try await lab.tbctl("status").stdout.contains("expires in "))

        // Not expired: reap leaves it.
        var reap = JSONRun<Reap>(try await Self.tbctl(["reap", "--json"]))
        #expect(reap.status == 0 && reap.document?.expired.contains { $0.project == "e2ettl" } == false, "\(reap)")
        #expect(try await Leftovers.of(project: "e2ettl").domains == ["e2ettl-solo"])

        // Expired: listed so, kept by a dry run, removed by reap.
        let left = Duration.seconds(62) - (ContinuousClock.now - began)
        if left > .zero { try await Task.sleep(for: left) }
        #expect(try await Self.ls().testbed("e2ettl")?.expired == true)
        #expect(try await lab.tbctl("status").stdout.contains("expired "))
        reap = JSONRun<Reap>(try await Self.tbctl(["reap", "--dry-run", "--json"]))
        #expect(reap.status == 0 && reap.document?.expired.contains { $0.project == "e2ettl" } == true && reap.document?.removed == [], "\(reap)")
        #expect(try await Leftovers.of(project: "e2ettl").domains == ["e2ettl-solo"])
        reap = JSONRun<Reap>(try await Self.tbctl(["reap", "--json"]))
        #expect(reap.status == 0 && reap.document?.removed.contains("e2ettl") == true, "\(reap)")
        let leftovers = try await Leftovers.of(project: "e2ettl")
        #expect(leftovers.domains.isEmpty && leftovers.networks.isEmpty && leftovers.bridges.isEmpty, "\(leftovers)")
        #expect(try await Self.ls().testbed("e2ettl") == nil)

        // `tbctl serve --reap` does the same on its timer, with nobody asking.
        let again = try await lab.tbctl("up", "--ttl", "1s")
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
        let serve = try ServeProcess.start(lab, ["--listen", "127.0.0.1:0", "--reap", "--reap-interval", "10"])
        defer { serve.stop() }
        _ = try await serve.url()
        let deadline = ContinuousClock.now + .seconds(90)
        while try await Self.ls().testbed("e2ettl") != nil && ContinuousClock.now < deadline {
            try await Task.sleep(for: .seconds(1))
        }
        let log = (try? String(contentsOfFile: serve.log, encoding: .utf8)) ?? ""
        #expect(try await Self.ls().testbed("e2ettl") == nil, "serve --reap left it: \(log)")
        #expect(try await Leftovers.of(project: "e2ettl").domains.isEmpty, "\(log)")
        #expect(serve.stop() == 0, "\(log)")
        #expect(try await lab.tbctl("down", "--purge").status == 0)
    }

    /// The multihost example (its subnets and project moved to this suite's) rehearsed on
    /// this machine alone: every guest up here, each answers as itself; then a plain `up`
    /// moves it to the (simulated) hosts, where each answers again.
    @Test func upLocalRunsTheMultihostExampleOnOneHostThenOnTheHosts() async throws {
        try await FakeHosts.up(["h1", "h2"])
        let lab = try TestLab(example: "multihost")
        defer { lab.removeDir() }
        try lab.replace("../../images/out/tbctl-demo.qcow2", with: Repo.demoImage)
        try lab.replace("project: multihost", with: "project: lab\nmanagement: {subnet: 10.241.0.0/16}")
        try lab.replace("10.10.0.", with: "10.242.0.")
        try lab.replace("10.30.0.", with: "10.244.0.")
        try lab.replace("    ssh: root@", with: "    identity: \(FakeHosts.clientKey)\n    ssh: root@")
        _ = try await Self.tbctl(["down", "--project", "lab", "--purge"] + Self.h1)

        let up = try await lab.json(CLI.Apply.self, "up", "--local")
        #expect(up.status == 0 && up.document?.hosts == 1, "\(up)")
        let status = try await lab.json(CLI.Status.self, "status")
        let guests = try #require(status.document?.guests)
        #expect(guests.map(\.guest).sorted() == ["app-0", "app-1", "db", "gw", "probe"], "\(status)")
        #expect(guests.allSatisfy { $0.host == "main" && $0.state == "running" }, "\(status)")
        #expect(try await lab.tbctl("status").stdout.contains("local mode"))
        #expect(try await Self.ls().testbed("lab")?.local == true)
        // The compose file's fixed addresses, as on the real hosts.
        #expect(guests.first { $0.guest == "db" }?.networks["back"] == "10.244.0.5")
        var exec = try await lab.execJSON("--all", "--", "hostname")
        #expect(exec.status == 0, "\(exec)")
        for g in guests { #expect(exec.document?[g.guest]?.stdout == g.guest + "\n", "\(g.guest): \(exec)") }

        // Back to the hosts: each pinned guest on its host, the master's copies gone.
        let back = try await lab.json(CLI.Apply.self, "up")
        #expect(back.status == 0 && back.document?.hosts == 3, "\(back)")
        let placed = try #require(try await lab.json(CLI.Status.self, "status").document?.guests)
        let hostOf = Dictionary(uniqueKeysWithValues: placed.map { ($0.guest, $0.host) })
        #expect(hostOf["gw"] == "main" && hostOf["db"] == "h1" && hostOf["app-0"] == "h2" && hostOf["app-1"] == "h2", "\(hostOf)")
        #expect(placed.allSatisfy { $0.state == "running" }, "\(placed)")
        let onMain = try await Self.domains("qemu:///system")
        #expect(onMain["lab-db"] == nil && onMain["lab-app-0"] == nil && onMain["lab-gw"] == "running", "\(onMain)")
        #expect(try await Self.ls().testbed("lab").map { !$0.local && $0.hosts == ["main", "h1", "h2"] } == true)
        exec = try await lab.execJSON("--all", "--", "hostname")
        #expect(exec.status == 0, "\(exec)")
        for g in placed { #expect(exec.document?[g.guest]?.stdout == g.guest + "\n", "\(g.guest): \(exec)") }
        #expect(try await lab.tbctl("down", "--purge").status == 0)
        try await FakeHosts.down()
    }
}
}
