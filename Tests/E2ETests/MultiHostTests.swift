import Core
import Foundation
import Libvirt
import TestbedState
import Testing

extension E2E {
/// A testbed over the master and two simulated remote hosts, each with its own sshd, libvirtd
/// and Open vSwitch in its own namespaces (tests/harness/fakehosts.sh, started and stopped here).
@Suite(.serialized) struct MultiHostTests {
    @Test func labSpansThreeHosts() async throws {
        try await FakeHosts.up(["h1", "h2"])
        let lab = try TestLab(fixture: "multihost")
        defer { lab.removeDir() }
        try lab.replace("KEY", with: FakeHosts.clientKey)
        try await lab.tbctl("down", "--purge")

        let up = try await lab.json(CLI.Apply.self, "up")
        #expect(up.status == 0, "\(up)")
        // The golden image was built once, then copied to the hosts that run clones.
        #expect(try up.doc().steps("buildGolden").count == 1 && up.doc().steps("copyGolden").count >= 1, "\(up)")
        #expect(try up.doc().hosts == 3 && up.doc().steps.allSatisfy { $0.result == "ok" })
        let state = try lab.state
        let golden = try #require(state.service(named: "web")?.golden)
        let cloneHosts = Set(state.service(named: "web")!.clones.map { try! lab.guest($0).host })
        #expect(cloneHosts.count >= 2, "clones are spread: \(cloneHosts)")

        // Each guest runs on its planned host, asked of that host's libvirt; a remote clone is
        // an overlay of the golden copy on its own host.
        for host in state.hosts {
            let lv = try await LibvirtConnection.open(host.libvirtURI)
            for g in state.userGuests {
                let dom = try await lv.domain(named: g.domain)
                if g.host == host.name {
                    #expect(try await dom?.state() == .running, "\(g.name) on \(host.name)")
                } else {
                    #expect(dom == nil, "\(g.name) must not be on \(host.name)")
                }
            }
            let pool = try #require(try await lv.storagePool(named: host.pool))
            for g in state.userGuests where g.host == host.name && g.role.kind == .clone {
                let vol = try #require(try await pool.volume(named: g.disk.volume))
                #expect(try await vol.backingStorePath() == host.poolPath + "/" + golden.volume)
                #expect(try await pool.volume(named: golden.volume) != nil)
            }
            await lv.close()
        }

        // The setup script ran on a remote guest, reached through its host; `tbctl exec` and
        // OpenSSH with the generated config (ProxyJump through the host) reach it too.
        #expect(try await lab.ssh("a", "cat /root/setup.log").stdout == "setup of a as a\n")
        let exec = try await lab.execJSON("a", "b", "--", "cat /etc/hostname")
        #expect(exec.status == 0 && exec.document?["a"]?.stdout == "a\n" && exec.document?["b"]?.stdout == "b\n", "\(exec)")
        #expect(exec.document?["a"]?.host != exec.document?["b"]?.host, "a and b run on different hosts")
        let config = try await lab.tbctl("ssh-config")
        try config.stdout.write(toFile: lab.dir + "/ssh_config", atomically: true, encoding: .utf8)
        let openssh = try await Subprocess.run(["ssh", "-F", lab.dir + "/ssh_config", "-o", "BatchMode=yes", "a", "hostname"])
        #expect(openssh.stdout == "a\n", "\(openssh.stderr)")
        // Guest NICs leave room for the encapsulation: 1500 - 50 (VXLAN), 1500 - 58 (Geneve),
        // 1500 - 42 (GRE with a key).
        let links = try await lab.ssh("a", "for n in eth1 eth2 eth3; do ip -o link show $n; done").stdout
        let lines = links.split(separator: "\n")
        for (nic, mtu) in [("eth1", 1450), ("eth2", 1442), ("eth3", 1458)] {
            #expect(lines.contains { $0.contains("\(nic): <") && $0.contains("mtu \(mtu) ") }, "\(links)")
        }
        // Pings cross the tunnels on every network, h1 -> h2, also filling the guests' MTU
        // (one packet, sent with DF: a packet the tunnel cannot carry is lost, not split).
        let b = try lab.guest("b")
        let networks = try lab.state.networks
        for nic in b.nics where !nic.isManagement {
            let mtu = try #require(networks.first { $0.name == nic.network }).mtu
            let ping = try await lab.ssh("a", "ping -c 2 -W 5 \(nic.ip) && ping -c 2 -W 5 -s \(mtu - 28) \(nic.ip)")
            #expect(ping.status == 0, "a -> b \(nic.network) (mtu \(mtu)): \(ping.stdout)\(ping.stderr)")
        }
        for clone in state.service(named: "web")!.clones {
            let ip = try lab.guest(clone).nics[1].ip
            #expect(try await lab.ssh("b", "ping -c 2 -W 5 \(ip)").status == 0, "b -> \(clone) \(ip)")
        }
        #expect(try await lab.json(CLI.Apply.self, "up").document?.changed == false)

        // A testbed snapshot over guests on different hosts: a file and a hostname come back.
        for g in ["a", "b"] { _ = try await lab.ssh(g, "echo before > /root/mark; sync") }
        var r = try await lab.tbctl("snapshot", "create", "base")
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        _ = try await lab.ssh("a", "rm /root/mark; hostname changed")
        _ = try await lab.ssh("b", "rm /root/mark")
        r = try await lab.tbctl("snapshot", "restore", "base")
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        for g in ["a", "b"] { #expect(try await lab.ssh(g, "cat /root/mark").stdout == "before\n", "\(g)") }
        #expect(try await lab.ssh("a", "hostname").stdout == "a\n")
        #expect(try await lab.tbctl("snapshot", "delete", "base").status == 0)

        // Scale across hosts: the new clone is placed by the planner and answers.
        let scaled = try await lab.json(CLI.Apply.self, "scale", "web=4")
        #expect(scaled.status == 0 && scaled.document?.services == ["web": 4], "\(scaled)")
        #expect(try Set(scaled.doc().steps.compactMap(\.action.guest)) == ["web-3"], "only web-3 is made: \(scaled)")
        #expect(try await lab.ssh("web-3", "hostname").stdout == "web-3\n")

        // `down` leaves nothing of the project on any host.
        #expect(try await lab.tbctl("down", "--purge").status == 0)
        for host in state.hosts {
            let lv = try await LibvirtConnection.open(host.libvirtURI)
            #expect(try await lv.allDomains().filter { $0.name.hasPrefix("e2emh-") }.isEmpty, "\(host.name)")
            #expect(try await lv.allNetworks().filter { $0.name.hasPrefix("e2emh-") }.isEmpty, "\(host.name)")
            #expect(try await lv.storagePool(named: host.pool) == nil, "\(host.name)")
            await lv.close()
            let bridges = host.isMaster ? try await Subprocess.run(["ovs-vsctl", "list-br"])
                                        : try await FakeHosts.exec(host.name, ["ovs-vsctl", "list-br"])
            #expect(!bridges.stdout.contains("e2emh"), "\(host.name): \(bridges.stdout)")
        }
        try await FakeHosts.down()
    }

    /// A host that refuses SSH, then a host whose key changed: each a clear error naming the
    /// host; the other hosts' work is done, and the next `up` completes once the host is fixed.
    @Test func hostFaults() async throws {
        try await FakeHosts.up(["h1", "h2"])
        let lab = try TestLab(fixture: "multifault")
        defer { lab.removeDir() }
        let stranger = lab.dir + "/stranger_ed25519"
        try Ed25519Key.generate().privatePEM(comment: "stranger").write(toFile: stranger, atomically: true, encoding: .utf8)
        chmod(stranger, 0o600)
        try lab.replace("KEY2", with: stranger)
        try lab.replace("KEY", with: FakeHosts.clientKey)

        // Only h2 failed, and only to connect: exit 3 (host unreachable), h2 named as data.
        let refused = try await lab.json(CLI.Apply.self, "up")
        #expect(refused.status == 3, "\(refused)")
        #expect(refused.document?.unreachableHosts.map(\.host) == ["h2"], "\(refused)")
        #expect(refused.error?.problems?.map(\.code) == ["unreachable"], "\(refused)")
        #expect(refused.error?.problems?.first?.object?.contains("host h2") == true, "\(refused)")
        #expect(refused.error?.problems?.first?.text.contains("root@10.77.0.12") == true, "\(refused)")
        #expect(try await lab.ssh("a", "hostname").stdout == "a\n", "h1's guest is up despite h2")

        try lab.replace(stranger, with: FakeHosts.clientKey)
        let fixed = try await lab.tbctl("up")
        #expect(fixed.status == 0, "\(fixed.stdout)\(fixed.stderr)")
        #expect(try await lab.ssh("b", "hostname").stdout == "b\n")

        // h1 presents another key than the one recorded at first contact: refused, named.
        let known = try String(contentsOfFile: lab.workspace.knownHosts, encoding: .utf8)
        let other = try Ed25519Key.generate().publicLine(comment: "").split(separator: " ")[1]
        let forged = known.split(separator: "\n").map { line in
            line.hasPrefix("10.77.0.11 ") ? "10.77.0.11 ssh-ed25519 \(other)" : String(line)
        }.joined(separator: "\n") + "\n"
        try forged.write(toFile: lab.workspace.knownHosts, atomically: true, encoding: .utf8)
        let mismatch = try await lab.tbctl("up")
        #expect(mismatch.status == 3)
        #expect(mismatch.stderr.contains("host h1") && mismatch.stderr.contains("differs"), "\(mismatch.stderr)")
        #expect(mismatch.stderr.contains(lab.workspace.knownHosts), "\(mismatch.stderr)")
        // The host key error is kept under the `unreachable` one, with its own code.
        let mismatchJSON = try await lab.json(CLI.Plan.self, "plan")
        #expect(mismatchJSON.document?.unreachableHosts.first?.error.underlying?.code == "hostKeyMismatch", "\(mismatchJSON)")

        try known.write(toFile: lab.workspace.knownHosts, atomically: true, encoding: .utf8)
        #expect(try await lab.tbctl("down", "--purge").status == 0)

        // h2 drops off the network while `up` runs: the other hosts finish, `up` fails naming
        // h2 (libvirt's keepalive notices the dead link), and once h2 is back the next `up`
        // completes. `timeout` turns a hang into a failure instead of a stuck test.
        let (sawImages, cut) = try await lab.up(until: "==> images") { _ in
            _ = try await Subprocess.run(["ip", "link", "set", "mh-h2-r", "down"])
        }
        _ = try await Subprocess.run(["ip", "link", "set", "mh-h2-r", "up"])
        #expect(sawImages && cut.status == 1, "\(cut.stdout)\(cut.stderr)")
        #expect(cut.stderr.contains("host h2"), "\(cut.stderr)")
        #expect(!cut.stderr.contains("host h1"), "\(cut.stderr)")
        #expect(try await lab.ssh("a", "hostname").stdout == "a\n")
        let back = try await lab.tbctl("up")
        #expect(back.status == 0, "\(back.stdout)\(back.stderr)")
        #expect(try await lab.ssh("b", "hostname").stdout == "b\n")

        // h2 leaves the compose file and b moves to h1: `plan` says so, `up` removes everything
        // of the project from h2 (guest, disks, images, pool, network, bridges), then forgets it.
        try lab.replace("  h2: {ssh: root@10.77.0.12, identity: \(FakeHosts.clientKey), accel: tcg, datapath: netdev}\n", with: "")
        try lab.replace("host: h2", with: "host: h1")
        let planned = try await lab.json(CLI.Plan.self, "plan").doc()
        #expect(planned.notes.contains { $0.hasPrefix("host h2 is no longer in the compose file") }, "\(planned.notes)")
        let moved = try await lab.tbctl("up")
        #expect(moved.status == 0, "\(moved.stdout)\(moved.stderr)")
        #expect(try lab.guest("b").host == "h1" && lab.state.retiredHosts == nil)
        #expect(try await lab.ssh("b", "hostname").stdout == "b\n")
        let onH2 = try await FakeHosts.exec("h2", ["sh", "-c", "virsh -q -c qemu:///system list --all --name; "
            + "virsh -q -c qemu:///system pool-list --all --name; virsh -q -c qemu:///system net-list --all --name; "
            + "ovs-vsctl --columns=external_ids list Bridge"])
        #expect(onH2.status == 0 && !onH2.stdout.contains("e2emf"), "\(onH2.stdout)\(onH2.stderr)")
        #expect(try await lab.tbctl("down", "--purge").status == 0)
        try await FakeHosts.down()
    }
}
}
