import Core
import Foundation
@testable import OVS
@testable import OVSModel
import Testing

/// Against the real local Open vSwitch (netdev datapath: this kernel has no openvswitch
/// module). Every test uses its own project and names, so they run in parallel.
@Suite struct LiveOVSTests {
    @Test func projectLifecycle() async throws {
        try await TestOVS.withProject { sw, project, tag in
            let lan = DesiredBridge(name: "tbt\(tag)a", datapath: .netdev, project: project, network: "lan", ports: [
                .tunnel("tbt\(tag)a1", .vxlan, remoteIP: "10.77.0.212", key: 4101, externalIDs: ["tbctl-peer": "h2"]),
                .tunnel("tbt\(tag)a2", .vxlan, remoteIP: "10.77.0.213", key: 4101),
            ])
            let dmz = DesiredBridge(name: "tbt\(tag)b", datapath: .netdev, project: project, network: "dmz", ports: [
                .tunnel("tbt\(tag)b1", .geneve, remoteIP: "10.77.0.212", key: 4102),
                .tunnel("tbt\(tag)b2", .gre, remoteIP: "10.77.0.213", key: 4102),
            ])
            let changes = try await sw.plan([lan, dmz], project: project)
            #expect(changes.count == 6)

            let clock = ContinuousClock()
            let applied = try await clock.measure { try await sw.apply(changes) }
            var bridges: [BridgeInfo] = []
            let listed = try await clock.measure { bridges = try await sw.bridges(project: project) }
            print("ovs timing: apply 2 bridges + 4 tunnels \(applied), list \(listed)")

            #expect(bridges.map(\.name) == [lan.name, dmz.name])
            #expect(bridges.allSatisfy { $0.datapath == .netdev && $0.isWorking })
            #expect(bridges[0].externalIDs == ["tbctl-project": project, "tbctl-network": "lan"])
            let a1 = try #require(bridges[0].port("tbt\(tag)a1"))
            #expect(a1.type == "vxlan" && a1.options == ["remote_ip": "10.77.0.212", "key": "4101"])
            #expect(a1.externalIDs == ["tbctl-project": project, "tbctl-peer": "h2"])
            #expect(bridges[1].port("tbt\(tag)b2")?.type == "gre")

            // As desired now: nothing to do, and re-running the same changes is harmless.
            #expect(try await sw.plan([lan, dmz], project: project).isEmpty)
            try await sw.apply(changes)

            // A peer's tunnel IP changes: one port update.
            var moved = lan
            moved.ports[1] = .tunnel("tbt\(tag)a2", .vxlan, remoteIP: "10.77.0.214", key: 4101)
            let update = try await sw.plan([moved, dmz], project: project)
            #expect(update.map(\.description) == ["~ port tbt\(tag)a2 on tbt\(tag)a: remote_ip 10.77.0.213 -> 10.77.0.214"])
            try await sw.apply(update)
            #expect(try await sw.bridges(project: project)[0].port("tbt\(tag)a2")?.options["remote_ip"] == "10.77.0.214")
            #expect(try await sw.plan([moved, dmz], project: project).isEmpty)

            // Dropping a network deletes its bridge; deleting the project removes the rest.
            try await sw.apply(try await sw.plan([moved], project: project))
            #expect(try await sw.bridges(project: project).map(\.name) == [lan.name])
            try await sw.deleteProject(project: project)
            #expect(try await sw.bridges(project: project).isEmpty)
            #expect(try await TestOVS.bridgeNames().isDisjoint(with: [lan.name, dmz.name]))
            try await sw.deleteProject(project: project)   // idempotent
        }
    }

    /// The add-br trap: datapath `system` without the kernel module. ovs-vsctl exits 0 and
    /// leaves a bridge row with no datapath; apply must say so, and remove it again.
    @Test(.enabled(if: !FileManager.default.fileExists(atPath: "/sys/module/openvswitch"), "needs a kernel without the openvswitch module"))
    func systemDatapathWithoutModuleFailsClearly() async throws {
        try await TestOVS.withProject { sw, project, tag in
            let broken = DesiredBridge(name: "tbt\(tag)s", datapath: .system, project: project, network: "lan", ports: [
                .tunnel("tbt\(tag)s1", .vxlan, remoteIP: "10.77.0.212", key: 4103),
            ])
            let fine = DesiredBridge(name: "tbt\(tag)n", datapath: .netdev, project: project, network: "dmz")
            let error = await #expect(throws: TBError.self) {
                try await sw.apply(OVSPlan.plan(desired: [broken, fine], actual: []))
            }
            let text = error?.description ?? ""
            #expect(error?.code == .ovs)
            #expect(text.contains("bridge tbt\(tag)s") && text.contains("local host"))
            #expect(text.contains("use `datapath: netdev`"))
            #expect(text.contains("Error detected while setting up"))   // OVS's own words, as the cause
            #expect(!text.contains("tbt\(tag)n"))
            print("ovs system-datapath error: \(text)")

            // No half-made bridge is left; the bridge that worked stays.
            let names = try await TestOVS.bridgeNames()
            #expect(!names.contains(broken.name) && names.contains(fine.name))
            #expect(try await sw.bridges(project: project).map(\.name) == [fine.name])
        }
    }

    /// A gateway port: an internal port (a tap, on netdev) holding an address on the host.
    @Test func gatewayPortAnswersPing() async throws {
        try await TestOVS.withProject { sw, project, tag in
            var bridge = DesiredBridge(name: "tbt\(tag)g", datapath: .netdev, project: project, network: "lan", ports: [
                .gateway("tbt\(tag)gw", address: "10.77.250.1/24", mtu: 1450),
            ])
            try await sw.apply(try await sw.plan([bridge], project: project))
            #expect(try await sw.plan([bridge], project: project).isEmpty)   // address, link, MTU read back
            let mtu = try String(contentsOfFile: "/sys/class/net/tbt\(tag)gw/mtu", encoding: .utf8)
            #expect(mtu.trimmingCharacters(in: .whitespacesAndNewlines) == "1450")   // the tap really has it
            #expect(try await ICMP.ping("10.77.250.1"))

            // Through OVS: the host reaches a namespace behind a veth port on the bridge.
            try await withNamespace("tbt\(tag)", address: "10.77.250.2/24") { hostEnd in
                try await Subprocess.check(["ovs-vsctl", "--timeout=10", "add-port", bridge.name, hostEnd])
                #expect(try await ICMP.ping("10.77.250.2"))
                // That port is not tbctl's: plans leave it alone.
                #expect(try await sw.plan([bridge], project: project).isEmpty)
            }

            // Re-addressing replaces the old address rather than adding a second one.
            bridge.ports[0] = .gateway("tbt\(tag)gw", address: "10.77.250.3/24", mtu: 1450)
            try await sw.apply(try await sw.plan([bridge], project: project))
            let port = try await sw.bridges(project: project).first?.port("tbt\(tag)gw")
            #expect(port?.addresses == ["10.77.250.3/24"] && port?.isUp == true)
            #expect(try await ICMP.ping("10.77.250.3"))
        }
    }

    @Test func foreignBridgeIsNotAdoptedAndFailedTransactionsLeaveNothing() async throws {
        let sw = try await TestOVS.require()
        let tag = TestOVS.tag()
        let foreign = "tbt\(tag)f", foreignPort = "tbt\(tag)fp"
        try await Subprocess.check(["ovs-vsctl", "--timeout=10", "add-br", foreign, "--", "set", "bridge", foreign,
                                    "datapath_type=netdev", "--", "add-port", foreign, foreignPort,
                                    "--", "set", "interface", foreignPort, "type=internal"])
        do {
            let adopt = await #expect(throws: TBError.self) {
                try await sw.apply([.addBridge(name: foreign, datapath: .netdev, externalIDs: ["tbctl-project": "x\(tag)"])])
            }
            #expect(adopt?.code == .conflict)

            // The port name is taken on the foreign bridge: ovs-vsctl refuses the whole
            // transaction, so the new bridge is not created either.
            try await TestOVS.withProject { sw, project, tag2 in
                let desired = DesiredBridge(name: "tbt\(tag2)x", datapath: .netdev, project: project, network: "lan",
                                            ports: [.tunnel(foreignPort, .vxlan, remoteIP: "10.77.0.212", key: 1)])
                let error = await #expect(throws: TBError.self) { try await sw.apply(OVSPlan.plan(desired: [desired], actual: [])) }
                #expect(error?.code == .ovs)
                let names = try await TestOVS.bridgeNames()
                #expect(!names.contains(desired.name))
            }
        } catch {
            _ = try? await Subprocess.run(["ovs-vsctl", "--if-exists", "del-br", foreign])
            throw error
        }
        try await Subprocess.check(["ovs-vsctl", "--if-exists", "del-br", foreign])
    }
}

/// A network namespace `name` with a veth whose inner end has `address`; `body` gets the
/// outer end's name. Removed afterwards (the veth pair goes with the namespace).
func withNamespace(_ name: String, address: String, _ body: (String) async throws -> Void) async throws {
    let outer = "\(name)v0", inner = "\(name)v1"
    try await Subprocess.check(["ip", "netns", "add", name])
    do {
        try await Subprocess.check(["ip", "link", "add", outer, "type", "veth", "peer", "name", inner, "netns", name])
        try await Subprocess.check(["ip", "-n", name, "addr", "add", address, "dev", inner])
        try await Subprocess.check(["ip", "-n", name, "link", "set", inner, "up"])
        try await Subprocess.check(["ip", "link", "set", outer, "up"])
        try await body(outer)
    } catch {
        _ = try? await Subprocess.run(["ip", "netns", "del", name])
        throw error
    }
    try await Subprocess.check(["ip", "netns", "del", name])
}
