import Apply
import Core
import Foundation
import Libvirt
import Project
import TestbedState
import Testing
import Workspace

extension E2E {
/// `tbctl exec`, `tbctl ssh` and `tbctl ssh-config` on real guests (fixture `access`: `solo`
/// and the service `web` of two clones), checked as a user would: through the real binary
/// and OpenSSH's `ssh`. Serialized: the guests share two cores.
@Suite(.serialized) struct AccessTests {
    @Test func execSSHAndSSHConfigOnRealGuests() async throws {
        let lab = try TestLab(fixture: "access")
        defer { lab.removeDir() }
        try await lab.tbctl("down", "--purge")   // a crashed earlier run leaves the fixed project behind
        do {
            try await checkAccess(lab)
        } catch {
            _ = try? await lab.tbctl("down", "--purge")
            throw error
        }
        let down = try await lab.tbctl("down", "--purge")
        #expect(down.status == 0, "\(down.stdout)\(down.stderr)")
        let left = try await Leftovers.of(project: "e2eaccess")
        #expect(left == Leftovers(), "\(left)")
    }

    func checkAccess(_ lab: TestLab) async throws {
        let up = try await lab.tbctl("up")
        try #require(up.status == 0, "\(up.stdout)\(up.stderr)")

        // Every guest at once, each line prefixed with its guest.
        let clock = ContinuousClock()
        let began = clock.now
        let all = try await lab.run("exec", "--all", "--", "hostname")
        let took = clock.now - began
        #expect(all.status == 0, "\(all.stdout)\(all.stderr)")
        #expect(lines(all.stdout) == ["solo | solo", "web-0 | web-0", "web-1 | web-1"])
        print("tbctl exec --all -- hostname on 3 guests: \(took)")

        // One guest: its output as it is; a failure exits 1 and says who exited with what.
        let three = try await lab.run("exec", "web-0", "--", "sh", "-c", "exit 3")
        #expect(three.status == 1)
        #expect(three.stderr.contains("web-0: exited with status 3"), "\(three.stderr)")
        let streams = try await lab.run("exec", "solo", "--", "echo out; echo err >&2")
        #expect(streams.status == 0 && streams.stdout == "out\n" && streams.stderr == "err\n", "\(streams)")

        // The guest's env is exported; --service selects the clones.
        let greeting = try await lab.run("exec", "solo", "--", "echo \"$GREETING from $ROLE\"")
        #expect(greeting.stdout == "hello world from solo\n", "\(greeting.stdout)\(greeting.stderr)")
        let service = try await lab.run("exec", "--service", "web", "--", "echo $ROLE")
        #expect(service.status == 0)
        #expect(lines(service.stdout) == ["web-0 | web", "web-1 | web"])
        // Several guests, some failing: each failure summarised.
        let mixed = try await lab.run("exec", "solo", "web-1", "--", "test \"$ROLE\" = solo")
        #expect(mixed.status == 1)
        #expect(mixed.stderr.contains("1 of 2 guests failed") && mixed.stderr.contains("web-1: exited with status 1"),
                "\(mixed.stderr)")

        // Unknown names: a usage error that says where it looked and what it has.
        let unknown = try await lab.run("exec", "webb", "--", "true")
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("no guest `webb` in testbed e2eaccess (\(lab.compose))"), "\(unknown.stderr)")
        #expect(unknown.stderr.contains("did you mean `web-0`?") && unknown.stderr.contains("guests: solo, web-0, web-1"),
                "\(unknown.stderr)")
        let badService = try await lab.run("exec", "--service", "wbe", "--", "true")
        #expect(badService.status == 2 && badService.stderr.contains("did you mean `web`?"), "\(badService.stderr)")
        #expect(try await lab.run("ssh", "sol").stderr.contains("did you mean `solo`?"))

        // OpenSSH with the printed config: the project key, the generated host keys, strict checking.
        let printed = try await lab.run("ssh-config")
        #expect(printed.status == 0)
        let config = lab.dir + "/lab.ssh"
        try printed.stdout.write(toFile: config, atomically: true, encoding: .utf8)
        #expect(printed.stdout.contains("StrictHostKeyChecking yes"))
        let solo = try await Subprocess.run(["ssh", "-F", config, "solo", "hostname"])
        #expect(solo.status == 0 && solo.stdout == "solo\n", "\(solo.stdout)\(solo.stderr)")
        let alias = try await Subprocess.run(["ssh", "-F", config, "e2eaccess.web-1", "hostname"])
        #expect(alias.stdout == "web-1\n", "\(alias.stderr)")
        // ...and the check is real: with another guest's key on file, ssh refuses.
        let known = lab.workspace.guestKnownHosts
        let original = try String(contentsOfFile: known, encoding: .utf8)
        let webKey = try lab.guest("web-0").hostKey.split(separator: " ").prefix(2).joined(separator: " ")
        try original.split(separator: "\n").map { $0.hasPrefix("e2eaccess.solo ") ? "e2eaccess.solo \(webKey)" : String($0) }
            .joined(separator: "\n").write(toFile: known, atomically: true, encoding: .utf8)
        let refused = try await Subprocess.run(["ssh", "-F", config, "solo", "hostname"])
        #expect(refused.status == 255 && refused.stderr.contains("Host key verification failed"), "\(refused.stderr)")
        // `tbctl ssh-config` (like `tbctl ssh`) writes the file again from the state.
        _ = try await lab.run("ssh-config")
        #expect(try String(contentsOfFile: known, encoding: .utf8) == original)

        // `tbctl ssh`: hands over to ssh; a command runs with the env; ssh's exit status.
        let ssh = try await lab.run("ssh", "web-1", "--", "echo $ROLE; hostname")
        #expect(ssh.status == 0 && ssh.stdout == "web\nweb-1\n", "\(ssh.stdout)\(ssh.stderr)")
        #expect(try await lab.run("ssh", "web-0", "--", "sh", "-c", "exit 4").status == 4)

        // A guest that is not running fails at once, named; the others still run.
        let lv = try await LibvirtConnection.open("qemu:///system")
        try await lv.domain(named: "e2eaccess-web-1")!.destroy()
        await lv.close()
        let partial = try await lab.run("exec", "--all", "--", "hostname")
        #expect(partial.status == 1)
        #expect(lines(partial.stdout) == ["solo | solo", "web-0 | web-0"])
        #expect(partial.stderr.contains("1 of 3 guests failed") && partial.stderr.contains("web-1: guest web-1 on host main is not running"),
                "\(partial.stderr)")
    }

    func lines(_ text: String) -> [String] { text.split(separator: "\n").map(String.init).sorted() }

    /// The config and known_hosts rendering and guest selection, from a compiled two-host
    /// testbed; no host or guest is contacted.
    @Suite struct Rendering {
        @Test func remoteGuestsJumpThroughTheirHost() async throws {
            let f = try TwoHostFixture()
            defer { f.remove() }
            let text = SSHConfig.render(f.state, workspace: f.workspace)
            let blocks = Self.blocks(text)
            #expect(Array(blocks.keys).sorted() == ["far unitaccess.far", "near unitaccess.near", "unitaccess.host.rack2",
                                                    "web-0 unitaccess.web-0", "web-1 unitaccess.web-1"])
            let near = try #require(blocks["near unitaccess.near"])
            #expect(near["ProxyJump"] == nil)
            #expect(near["HostName"] == f.state.guest(named: "near")?.managementIP)
            #expect(near["User"] == "root" && near["IdentitiesOnly"] == "yes" && near["StrictHostKeyChecking"] == "yes")
            #expect(near["IdentityFile"] == "\"\(f.workspace.keyFile)\"")   // the folder has a blank
            #expect(near["HostKeyAlias"] == "unitaccess.near")
            #expect(near["UserKnownHostsFile"] == "\"\(f.workspace.guestKnownHosts)\"")
            for g in ["far unitaccess.far", "web-0 unitaccess.web-0", "web-1 unitaccess.web-1"] {
                #expect(blocks[g]?["ProxyJump"] == "unitaccess.host.rack2", "\(g)")
            }
            let rack = try #require(blocks["unitaccess.host.rack2"])
            #expect(rack["HostName"] == "10.77.0.12" && rack["User"] == "ops" && rack["Port"] == "2222")
            #expect(rack["IdentityFile"] == "\"\(f.dir)/keys/rack 2\"")
            #expect(rack["UserKnownHostsFile"] == "\"\(f.workspace.knownHosts)\"" && rack["StrictHostKeyChecking"] == "yes")

            // Project.generate wrote the same config and every guest's key under its alias.
            #expect(try String(contentsOfFile: f.workspace.sshConfig, encoding: .utf8) == text)
            let known = try String(contentsOfFile: f.workspace.guestKnownHosts, encoding: .utf8)
            for g in f.state.guests {
                let key = g.hostKey.split(separator: " ").prefix(2).joined(separator: " ")
                #expect(known.contains("\nunitaccess.\(g.name) \(key)\n"), "\(g.name)")
            }

            // OpenSSH reads it as meant (`ssh -G` prints the resolved options, connects to nothing).
            let far = try await Subprocess.run(["ssh", "-G", "-F", f.workspace.sshConfig, "far"])
            #expect(far.status == 0, "\(far.stderr)")
            let options = Set(far.stdout.split(separator: "\n").map(String.init))
            #expect(options.contains("proxyjump unitaccess.host.rack2"))
            #expect(options.contains("hostkeyalias unitaccess.far"))
            #expect(options.contains("stricthostkeychecking true"))
            #expect(options.contains("identityfile \(f.workspace.keyFile)"))
            let host = try await Subprocess.run(["ssh", "-G", "-F", f.workspace.sshConfig, "unitaccess.host.rack2"])
            #expect(host.stdout.contains("\nport 2222\n") && host.stdout.contains("\nidentityfile \(f.dir)/keys/rack 2\n"), "\(host.stdout)")
        }

        @Test func selectionByNameServiceAndAll() throws {
            let f = try TwoHostFixture()
            defer { f.remove() }
            let s = f.state
            #expect(try GuestSelection.select(s, guests: [], all: true).map(\.name) == ["far", "near", "web-0", "web-1"])
            #expect(try GuestSelection.select(s, guests: ["web-1", "near"], services: ["web"]).map(\.name) == ["near", "web-0", "web-1"])
            #expect(try GuestSelection.one(s, "far").host == "rack2")
            #expect(message { try GuestSelection.select(s, guests: ["nera"]) }.contains("did you mean `near`?"))
            #expect(message { try GuestSelection.select(s, guests: ["web"]) }.contains("use --service web"))
            #expect(message { try GuestSelection.select(s, guests: ["web-golden"]) }.contains("no guest `web-golden`"))
            #expect(message { try GuestSelection.select(s, guests: [], services: ["near"]) }.contains("`near` is a guest"))
            #expect(message { try GuestSelection.select(s, guests: []) }.contains("name a guest, a --service or --all"))
            #expect(GuestCommand.commandLine(["sh", "-c", "exit 3"]) == "sh -c 'exit 3'")
            #expect(GuestCommand.commandLine(["echo $ROLE | wc -c"]) == "echo $ROLE | wc -c")
        }

        func message(_ body: () throws -> Any) -> String {
            do { _ = try body(); return "" } catch { return TBError.describe(error) }
        }

        /// `Host` line -> its options.
        static func blocks(_ config: String) -> [String: [String: String]] {
            var out: [String: [String: String]] = [:]
            var current: String?
            for line in config.split(separator: "\n") where !line.hasPrefix("#") {
                let t = line.trimmingCharacters(in: .whitespaces)
                guard let space = t.firstIndex(of: " ") else { continue }
                let key = String(t[..<space]), value = String(t[t.index(after: space)...])
                if key == "Host" { current = value; out[value] = [:] } else if let c = current { out[c]![key] = value }
            }
            return out
        }
    }
}

/// A compiled testbed of two hosts (the master and a remote `rack2`), in a folder whose name
/// has a blank; nothing is started.
struct TwoHostFixture {
    let dir: String
    let state: TestbedState
    var workspace: Workspace { Workspace(composeFile: dir + "/testbed.yaml") }

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("tbctl access \(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir + "/keys", withIntermediateDirectories: true)
        try Data(repeating: 0, count: 1 << 16).write(to: URL(fileURLWithPath: dir + "/demo.img"))
        try "not a real key\n".write(toFile: dir + "/keys/rack 2", atomically: true, encoding: .utf8)
        try """
            project: unitaccess
            management: {subnet: 10.150.0.0/16}
            hosts:
              main: {accel: tcg, tunnel_ip: 10.77.0.1}
              rack2: {ssh: "ops@10.77.0.12:2222", identity: keys/rack 2, accel: tcg}
            images:
              demo: demo.img
            guests:
              near: {image: demo, host: main}
              far: {image: demo, host: rack2}
              web: {image: demo, replicas: 2, host: rack2, golden: {setup: golden.sh}}
            """.write(toFile: dir + "/testbed.yaml", atomically: true, encoding: .utf8)
        try "true\n".write(toFile: dir + "/golden.sh", atomically: true, encoding: .utf8)
        state = try Project(composeFile: dir + "/testbed.yaml").generate()
    }

    func remove() { try? FileManager.default.removeItem(atPath: dir) }
}
}
