import Apply
import ComposeModel
import Conditions
import Core
import Foundation
import HostFakes
import Hosts
import TestbedState
import TestSupport
import Testing

/// `link`, `impair`, `partition` and `capture` through fake hosts: what each asks of libvirt,
/// OVS and the guests, and how `up`, `snapshot restore` and `down` keep or drop them.
@Suite struct NetworkConditionsTests {
    static func runningLab() async throws -> Testbed {
        let t = try Testbed { lab, dir in lab.guests = [Lab.guest("a", in: dir), Lab.guest("b", in: dir)] }
        try await t.up()
        return t
    }

    func conditions(_ t: Testbed) -> NetworkConditions {
        NetworkConditions(state: t.state, workspace: t.workspace, connector: t.lab)
    }

    func mac(_ t: Testbed, _ guest: String) -> String {
        t.state.guest(named: guest)!.nics.first { !$0.isManagement }!.mac
    }

    @Test func aLinkGoesDownThroughLibvirtAndUpKeepsIt() async throws {
        let t = try await Self.runningLab()
        defer { t.remove() }
        let nic = NICRef(guest: "a", network: "lan")
        let down = try await conditions(t).setLink(nic, up: false)
        #expect(down.changes == ["link a:lan down"] && down.failures.isEmpty)
        #expect(t.domain("a")?.linksDown == [mac(t, "a").lowercased()])
        #expect(t.lab.calls.contains { $0.op == "domain.updateDevice" && $0.object == "lab-a" })

        // A restart loses the live link state; `up` puts it back.
        try await t.lab.connect(t.state.hosts[0]).libvirt.domain(named: "lab-a")!.destroy()
        try await t.up()
        #expect(t.domain("a")?.state == .running && t.domain("a")?.linksDown == [mac(t, "a").lowercased()])
        #expect(t.output.current.contains { $0.contains("network conditions: link a:lan down") })

        let up = try await conditions(t).setLink(nic, up: true)
        #expect(up.changes == ["link a:lan up"] && t.domain("a")?.linksDown == [])
        #expect(try ConditionsRecord.load(t.workspace).downNICs.isEmpty)
    }

    @Test func anImpairmentIsOneScriptInTheGuest() async throws {
        let t = try await Self.runningLab()
        defer { t.remove() }
        let m = mac(t, "a")
        t.lab.onExec { guest, command in
            command.contains("tbctl: network impairments") ? CommandResult(status: 0, stdout: "changed \(m)\n", stderr: "") : nil
        }
        let outcome = try await conditions(t).impair(NICRef(guest: "a", network: "lan"), ways: [.out], Netem(delay: 100_000))
        #expect(outcome.changes == ["a:lan impaired"] && outcome.failures.isEmpty)
        let script = try #require(t.domain("a")?.execs.last)
        #expect(script.hasPrefix("sh -c '") && script.contains("qdisc replace dev $D root handle 1: netem limit 10000 delay 100ms"))
        #expect(t.domain("b")?.execs.contains { $0.contains("network impairments") } == false)
        #expect(try ConditionsRecord.load(t.workspace).shapedGuests == ["a"])

        // The guest cannot do it (no tc): a failure naming the guest; the condition stays recorded.
        t.lab.onExec { _, _ in CommandResult(status: 71, stdout: "", stderr: "no iproute2 tc in /usr/sbin or /sbin") }
        let failed = try await conditions(t).impair(NICRef(guest: "b", network: "lan"), ways: [.in], Netem(loss: 5))
        #expect(failed.failures.map(\.description) == ["guest b on host main: no iproute2 tc in /usr/sbin or /sbin"])
        #expect(try ConditionsRecord.load(t.workspace).desired.impairments.count == 2)
    }

    /// An appliance is impaired as its `login:` user: `admin` goes through sudo where the
    /// project's user (root here) would not.
    @Test func anAppliancesImpairmentRunsAsItsLoginUser() async throws {
        let t = try Testbed { lab, dir in
            var box = Lab.guest("box", in: dir)
            box.seed = false
            box.login = LoginSpec(user: "admin", keyFile: dir + "/golden.sh", passwordFile: nil)
            lab.guests = [box, Lab.guest("a", in: dir)]
        }
        defer { t.remove() }
        try await t.up()
        let m = mac(t, "box")
        t.lab.onExec { _, command in
            command.contains("tbctl: network impairments") ? CommandResult(status: 0, stdout: "changed \(m)\n", stderr: "") : nil
        }
        let outcome = try await conditions(t).impair(NICRef(guest: "box", network: "lan"), ways: [.out], Netem(delay: 10_000))
        #expect(outcome.failures.isEmpty)
        #expect(t.domain("box")?.execs.last?.hasPrefix("sudo -n sh -c '") == true, "\(t.domain("box")?.execs.last ?? "")")
    }

    @Test func aPartitionIsFlowsOnTheBridgeAndHealRemovesThem() async throws {
        let t = try await Self.runningLab()
        defer { t.remove() }
        let p = try Resolver(state: t.state).partition("a", "b")
        let cut = try await conditions(t).partition(p)
        let bridge = t.state.networks.first { $0.name == "lan" }!.bridge
        #expect(cut.changes == ["partition flows set on \(bridge) on main (6)"])
        let flows = t.lab.host("main").flows[bridge] ?? []
        #expect(flows.count == 6 && flows.allSatisfy { $0.hasPrefix("cookie=0x74626370") })
        #expect(try await conditions(t).partition(p).changes.isEmpty)   // in place: nothing to do
        let healed = try await conditions(t).heal()
        #expect(healed.changes == ["partition flows removed from \(bridge) on main"])
        #expect(t.lab.host("main").flows[bridge] == [])
    }

    /// A revert brings back the snapshot's link state; the current conditions are put back.
    @Test func snapshotRestoreKeepsTheCurrentConditions() async throws {
        let t = try await Self.runningLab()
        defer { t.remove() }
        let nic = NICRef(guest: "b", network: "lan")
        _ = try await conditions(t).setLink(nic, up: false)
        _ = try await t.snapshots().create("s")
        _ = try await conditions(t).setLink(nic, up: true)
        t.lab.edit { $0.hosts["main"]?.domains["lab-b"]?.linksDown = [self.mac(t, "b").lowercased()] }   // as the revert would
        _ = try await t.snapshots().restore("s")
        #expect(t.domain("b")?.linksDown == [])
        #expect(t.output.current.contains { $0.contains("network conditions: the testbed's current ones are kept") })
    }

    @Test func downRemovesTheConditions() async throws {
        let t = try await Self.runningLab()
        defer { t.remove() }
        _ = try await conditions(t).setLink(NICRef(guest: "a", network: "lan"), up: false)
        #expect(ConditionsRecord.exists(t.workspace))
        try await t.provisioner().down(purge: true)
        #expect(!ConditionsRecord.exists(t.workspace))
    }

    @Test func aCaptureRunsTcpdumpOnTheGuestsTapAndWritesAPcap() async throws {
        let t = try await Self.runningLab()
        defer { t.remove() }
        let out = Locked([UInt8]())
        let capture = Capture(state: t.state, workspace: t.workspace, connector: t.lab)
        let summaries = try await capture.run(.nic(NICRef(guest: "a", network: "lan")), seconds: 2, filter: ["icmp"],
                                              stopper: Capture.Stopper()) { bytes in out.withLock { $0 += bytes } }
        #expect(summaries.map(\.host) == ["main"] && summaries[0].packets == 0)
        #expect(out.current == PcapWriter().header)   // an empty capture is still a pcap file
        let script = try #require(t.lab.host("main").streamed.first { $0.contains("tcpdump") })
        #expect(script.contains("timeout 2 tcpdump -i vnet1 -U -w - icmp &"))
    }
}
