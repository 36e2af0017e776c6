import Core
import Foundation
import Plan
import Project
import TestbedState
import Testing
import Workspace
@testable import tbctl

/// The JSON documents built from a compiled testbed, and the text people read built from the
/// same documents (so the two never say different things).
@Suite struct DocumentTests {
    /// Two hosts, the master and a remote one; nothing is started.
    struct Lab {
        let dir: String
        let state: TestbedState
        var workspace: Workspace { Workspace(composeFile: dir + "/testbed.yaml") }

        init() throws {
            dir = FileManager.default.temporaryDirectory.appendingPathComponent("tbctl-cli-\(UUID().uuidString.prefix(8))").path
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try Data(repeating: 0, count: 1 << 16).write(to: URL(fileURLWithPath: dir + "/demo.img"))
            try "not a real key\n".write(toFile: dir + "/rack.key", atomically: true, encoding: .utf8)
            try """
                project: unitcli
                hosts:
                  main: {accel: tcg, tunnel_ip: 10.77.0.1}
                  rack2: {ssh: "ops@10.77.0.12:2222", identity: rack.key, accel: tcg}
                images:
                  demo: demo.img
                guests:
                  near: {image: demo, host: main}
                  far: {image: demo, host: rack2}
                """.write(toFile: dir + "/testbed.yaml", atomically: true, encoding: .utf8)
            state = try Project(composeFile: dir + "/testbed.yaml").generate()
        }

        func remove() { try? FileManager.default.removeItem(atPath: dir) }
    }

    static func json(_ value: some Encodable) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: JSONEncoder().encode(value)) as! [String: Any]
    }

    @Test func sshConfigAsData() throws {
        let lab = try Lab()
        defer { lab.remove() }
        let doc = SSHConfigCommand.document(lab.state, lab.workspace)
        #expect(doc.guests.map(\.guest) == ["far", "near"])
        let far = try #require(doc.guests.first)
        #expect(far.aliases == ["far", "unitcli.far"] && far.proxyJump == "unitcli.host.rack2" && far.hostKey?.hasPrefix("ssh-ed25519 ") == true)
        #expect(doc.guests[1].proxyJump == nil)
        #expect(doc.hosts.map { "\($0.alias) \($0.user)@\($0.hostName):\($0.port)" } == ["unitcli.host.rack2 ops@10.77.0.12:2222"])
        // The config people use says the same.
        let text = SSHConfig.render(lab.state, workspace: lab.workspace)
        #expect(text.contains("Host far unitcli.far\n  HostName \(far.hostName)\n"))
        #expect(text.contains("  ProxyJump unitcli.host.rack2\n"))
        // A guest on the master has no proxyJump key at all (absent, not null).
        let near = try #require((try Self.json(doc)["guests"] as? [[String: Any]])?.last)
        #expect(near["guest"] as? String == "near" && near.keys.contains("proxyJump") == false)
    }

    @Test func statusTextAndJSONSayTheSame() throws {
        let doc = Status.Document(project: "lab", guests: [
            .init(guest: "solo", host: "main", state: "running", management: "10.1.0.2", networks: ["lan": "10.2.0.1"], service: nil, setup: "done", conditions: ["impair solo:lan delay 100ms"]),
            .init(guest: "web-0", host: "h2", state: "unknown", management: "10.1.1.2", networks: [:], service: "web", setup: "pending", conditions: []),
            .init(guest: "web-1", host: "main", state: "absent", management: "10.1.0.3", networks: [:], service: "web", setup: "none", conditions: []),
        ], hosts: [.init(host: "main", reachable: true, error: nil),
                   .init(host: "h2", reachable: false, error: TBError(.unreachable, "connection refused", object: "host h2"))],
            conditions: ["impair solo:lan delay 100ms"])
        #expect(Status.text(doc) == """
            GUEST  HOST  STATE             MANAGEMENT  NETWORKS      SERVICE  SETUP
            solo   main  running           10.1.0.2    lan=10.2.0.1  -        done
            web-0  h2    host unreachable  10.1.1.2                  web      pending
            web-1  main  not created       10.1.0.3                  web      none
            network conditions (tbctl link, impair, partition; `up` keeps them):
              impair solo:lan delay 100ms
            host h2: connection refused
            """)
        let json = try Self.json(doc)
        let guests = try #require(json["guests"] as? [[String: Any]])
        #expect(guests.map { $0["state"] as? String } == ["running", "unknown", "absent"])
        #expect(guests[0].keys.contains("service") == false)
    }

    @Test func planTextAndJSONSayTheSame() throws {
        let empty = Plan.Document(project: "lab", changes: false, actionCount: 0, stages: [], unreachableHosts: [], notes: [])
        #expect(Plan.text(empty) == "no changes: the testbed matches the state")
        let doc = Plan.Document(project: "lab", changes: true, actionCount: 2,
                                stages: [.init(stage: "start", actions: [.startDomain(guest: "web-1", host: "main")]),
                                         .init(stage: "setup", actions: [.waitReady(guest: "web-1", host: "main")])],
                                unreachableHosts: [.init(host: "h2", error: TBError(.unreachable, "no route to host", object: "host h2"))],
                                notes: ["the storage pool of host main is stopped"])
        #expect(Plan.text(doc) == """
            ! host h2 unreachable: no route to host
            start:
              ~ start web-1 on main
            setup:
              ~ wait for web-1 to answer (main)
            2 actions
            note: the storage pool of host main is stopped
            """)
        let stages = try #require(try Self.json(doc)["stages"] as? [[String: Any]])
        #expect((stages[0]["actions"] as? [[String: Any]])?.first?["kind"] as? String == "startDomain")
    }
}
