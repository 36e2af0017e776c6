import Core
import Foundation
import Libvirt
import TestbedState
import Testing

extension E2E {
/// `tbctl up/down/plan/status` on this host with real QEMU (TCG) guests, real OVS and real sshd.
/// One lab, checked step by step as a user would; serialized because guests share two cores.
@Suite(.serialized) struct SingleHostTests {
    @Test func labComesUpConvergesAndGoesDown() async throws {
        let lab = try TestLab(fixture: "lab")
        defer { lab.removeDir() }
        try await lab.tbctl("down", "--purge")   // a crashed earlier run leaves the fixed project behind

        // A first `up` killed with SIGKILL in the middle of building the golden image...
        let killed = try await lab.up(until: "==> golden images") { kill(-$0, SIGKILL) }
        #expect(killed.sawMarker, "up ended before it built the golden images: \(killed.result.stdout)\(killed.result.stderr)")
        // ...and the next one finishes the job; its summary says what ran.
        let up = try await lab.json(CLI.Apply.self, "up")
        #expect(up.status == 0, "\(up)")
        let summary = try up.doc()
        #expect(summary.ok && summary.changed && summary.guests == 4 && summary.unreachableHosts.isEmpty)
        #expect(Set(summary.steps("runSetup").compactMap(\.action.guest)) == ["solo", "web-0", "web-1", "web-2"], "\(up)")
        #expect(summary.steps.allSatisfy { $0.result == "ok" }, "\(up)")

        let state = try lab.state
        let names = state.userGuests.map(\.name)
        #expect(names == ["solo", "web-0", "web-1", "web-2"])
        for name in names {
            #expect(try await lab.ssh(name, "hostname").stdout == "\(name)\n")
        }
        // The golden setup ran once, in the golden image: every clone has its marker.
        for i in 0..<3 {
            #expect(try await lab.ssh("web-\(i)", "cat /etc/golden-marker").stdout == "golden web-golden web\n")
            #expect(try await lab.ssh("web-\(i)", "cat /var/log/tbctl-setup.log").stdout == "setup of web-\(i) as web\n")
        }
        #expect(try await lab.ssh("solo", "cat /etc/motd").stdout == "welcome to the e2e lab\n")
        #expect(try await lab.ssh("solo", ". /etc/profile.d/tbctl-env.sh; echo $ROLE").stdout == "solo\n")

        // Each clone's disk is an overlay of the golden image (asked of libvirt).
        let golden = try #require(state.service(named: "web")?.golden)
        let lv = try await LibvirtConnection.open("qemu:///system")
        let pool = try #require(try await lv.storagePool(named: state.hosts[0].pool))
        for i in 0..<3 {
            let vol = try #require(try await pool.volume(named: "web-\(i).qcow2"))
            #expect(try await vol.backingStorePath() == state.hosts[0].poolPath + "/" + golden.volume)
            #expect(try await vol.xml().contains("<format type='qcow2'/>"))
        }

        // Guests reach each other over both OVS networks.
        let web2 = try lab.guest("web-2")
        for nic in web2.nics where !nic.isManagement {
            let ping = try await lab.ssh("solo", "ping -c 2 -W 5 \(nic.ip)")
            #expect(ping.status == 0, "solo -> web-2 \(nic.network) \(nic.ip): \(ping.stdout)")
        }

        // A second `up` changes nothing, and `plan` has nothing to do.
        let again = try await lab.json(CLI.Apply.self, "up")
        #expect(again.status == 0 && again.document?.changed == false && again.document?.stages.isEmpty == true, "\(again)")
        let unchanged = try await lab.json(CLI.Plan.self, "plan").doc()
        #expect(!unchanged.changes && unchanged.actionCount == 0 && unchanged.notes.isEmpty)
        // The plan as people read it.
        #expect(try await lab.tbctl("plan").stdout == "no changes: the testbed matches the state\n")

        // The project's pool stopped under running guests (`virsh pool-destroy`, a reboot
        // without autostart): `plan` says so and plans only its start; `up` starts it and
        // leaves every guest and disk alone.
        let running = try await lab.bootTimes(["solo", "web-0"])
        try await pool.destroy()
        let stopped = try await lab.json(CLI.Plan.self, "plan").doc()
        #expect(stopped.actions.map(\.kind) == ["createPool"] && stopped.actions[0].host == "main", "\(stopped.actions)")
        #expect(stopped.notes.contains { $0.hasPrefix("the storage pool of host main is stopped") }, "\(stopped.notes)")
        let restarted = try await lab.json(CLI.Apply.self, "up")
        #expect(restarted.status == 0 && restarted.document?.changed == false, "\(restarted)")
        #expect(try await pool.isActive())
        #expect(try await lab.bootTimes(["solo", "web-0"]) == running)

        // A guest destroyed by hand comes back with the next `up`, its setup not run again.
        try await lv.domain(named: "e2e-web-1")!.destroy()
        let status = try await lab.json(CLI.Status.self, "status").doc()
        #expect(status.guests.map(\.state) == ["running", "running", "shutoff", "running"], "\(status.guests.map(\.state))")
        #expect(status.guests.map(\.setup) == ["done", "done", "done", "done"] && status.hosts.allSatisfy(\.reachable))
        let heal = try await lab.json(CLI.Apply.self, "up")
        #expect(heal.status == 0, "\(heal)")
        #expect(try Set(heal.doc().steps.compactMap(\.action.guest)) == ["web-1"], "only web-1 is touched: \(heal)")
        #expect(try heal.doc().steps("startDomain").map(\.action.guest) == ["web-1"] && heal.doc().steps("runSetup").isEmpty)
        #expect(try await lab.ssh("web-1", "cat /var/log/tbctl-setup.log").stdout == "setup of web-1 as web\n")

        // More memory for solo: `up` redefines it and says that the running guest keeps its
        // old definition; `plan --restart-changed` shows the restart, `up --restart-changed`
        // restarts solo alone, which comes back with the memory, its setup not run again.
        let memory = "awk '/MemTotal/{print $2}' /proc/meminfo"
        let before = try #require(Int(try await lab.ssh("solo", memory).stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        let boots = try await lab.bootTimes(["solo", "web-0"])
        try lab.replace("memory: 128\n    networks: [lan, {network: dmz", with: "memory: 192\n    networks: [lan, {network: dmz")
        let redefine = try await lab.json(CLI.Apply.self, "up")
        #expect(redefine.status == 0 && redefine.document?.steps("defineDomain").map(\.action.guest) == ["solo"], "\(redefine)")
        #expect(try redefine.doc().notes.contains { $0.hasPrefix("solo on main keeps running on its previous definition") }, "\(redefine)")
        let noted = try await lab.json(CLI.Plan.self, "plan").doc()
        #expect(!noted.changes && noted.notes.contains { $0.hasPrefix("solo on main keeps running") }, "\(noted.notes)")
        #expect(try await lab.bootTimes(["solo", "web-0"]) == boots)
        let planned = try await lab.json(CLI.Plan.self, "plan", "--restart-changed").doc()
        let kinds = planned.actions.map { "\($0.kind) \($0.guest ?? "")" }
        #expect(kinds.starts(with: ["stopDomain solo", "startDomain solo"]) && Set(planned.actions.compactMap(\.guest)) == ["solo"], "\(kinds)")
        #expect(planned.notes.isEmpty)
        let restart = try await lab.json(CLI.Apply.self, "up", "--restart-changed")
        #expect(restart.status == 0, "\(restart)")
        let after = try #require(Int(try await lab.ssh("solo", memory).stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(after > before + 40 * 1024, "MemTotal \(before) kB -> \(after) kB")
        let rebooted = try await lab.bootTimes(["solo", "web-0"])
        #expect(rebooted["solo"] != boots["solo"] && rebooted["web-0"] == boots["web-0"])
        #expect(try await lab.ssh("solo", "cat /var/log/tbctl-setup.log").stdout.components(separatedBy: "\n").filter { !$0.isEmpty }.count == 1)
        #expect(try await lab.json(CLI.Apply.self, "up").document?.changed == false)
        await lv.close()

        // `down` leaves nothing of the project but the cached base and golden images...
        let down = try await lab.json(CLI.Down.self, "down")
        #expect(down.status == 0 && down.document?.hosts.map(\.result) == ["ok"] && down.document?.purged == false, "\(down)")
        var left = try await Leftovers.of(project: "e2e")
        #expect(left.domains.isEmpty && left.networks.isEmpty && left.bridges.isEmpty, "\(left)")
        #expect(left.volumes.allSatisfy { $0.hasPrefix("base-") || $0.hasPrefix("golden-") }, "\(left)")
        // ...and `down --purge` not even those, also from a stopped pool (whose files libvirt
        // cannot see until it runs); a second `down` is a no-op.
        let poolPath = state.hosts[0].poolPath
        let lv2 = try await LibvirtConnection.open("qemu:///system")
        try await lv2.storagePool(named: state.hosts[0].pool)?.destroy()
        await lv2.close()
        #expect(try await lab.tbctl("down", "--purge").status == 0)
        #expect(!FileManager.default.fileExists(atPath: poolPath), "\(poolPath) is left")
        #expect(try await lab.tbctl("down", "--purge").status == 0)
        left = try await Leftovers.of(project: "e2e")
        #expect(left == Leftovers(), "\(left)")
    }
}
}
