import Core
import Foundation
import Libvirt
import TestbedState
import Testing

extension E2E {
/// `tbctl scale web=3 -> 5 -> 2 -> 0 -> 3`: new clones come up with their setup, removed ones
/// are gone with their disks, and no other guest is restarted (its boot time does not change).
@Suite(.serialized) struct ScaleTests {
    func clones(_ lab: TestLab) throws -> [String] { try lab.state.service(named: "web")!.clones }

    /// Guests with a fixed DHCP entry on the host's management network, asked of libvirt.
    func dhcpEntries(_ lab: TestLab) async throws -> [String] {
        let lv = try await LibvirtConnection.open("qemu:///system")
        let net = try await lv.network(named: try lab.state.hosts[0].management.network)
        let xml = try await net?.xml() ?? ""
        await lv.close()
        return xml.split(separator: "\n").filter { $0.contains("<host mac=") }
            .compactMap { $0.split(separator: "name='").dropFirst().first?.split(separator: "'").first.map(String.init) }.sorted()
    }

    @Test func scaleUpDownToZeroAndBack() async throws {
        let lab = try TestLab(fixture: "scale")
        defer { lab.removeDir() }
        try await lab.tbctl("down", "--purge")
        #expect(try await lab.tbctl("up").status == 0)
        let boots = try await lab.bootTimes(["keep", "web-0", "web-1", "web-2"])

        let five = try await lab.json(CLI.Apply.self, "scale", "web=5")
        #expect(five.status == 0 && five.document?.services == ["web": 5], "\(five)")
        #expect(try five.doc().steps("runSetup").compactMap(\.action.guest) == ["web-3", "web-4"], "\(five)")
        #expect(try Set(five.doc().steps.compactMap(\.action.guest)) == ["web-3", "web-4"], "no other guest is touched: \(five)")
        #expect(try clones(lab) == ["web-0", "web-1", "web-2", "web-3", "web-4"])
        for g in ["web-3", "web-4"] {
            #expect(try await lab.ssh(g, "cat /root/setup-ran").stdout == "\(g)\n")
        }
        let afterScale = try await lab.bootTimes(Array(boots.keys))
        for (g, boot) in boots { #expect(afterScale[g] == boot, "\(g) was restarted") }
        #expect(try await dhcpEntries(lab) == ["keep", "web-0", "web-1", "web-2", "web-3", "web-4"])
        #expect(try await lab.json(CLI.Apply.self, "up").document?.changed == false)
        #expect(try await lab.tbctl("generate-artefacts").status == 0)
        #expect(try clones(lab).count == 5, "generate-artefacts keeps the scaled count")

        var r = try await lab.tbctl("scale", "web=2")
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        var left = try await Leftovers.of(project: "e2escale")
        #expect(left.domains == ["e2escale-keep", "e2escale-web-0", "e2escale-web-1"], "\(left)")
        #expect(!left.volumes.contains { $0.hasPrefix("web-2") || $0.hasPrefix("web-3") || $0.hasPrefix("web-4") }, "\(left)")
        for (g, boot) in try await lab.bootTimes(["keep", "web-0", "web-1"]) { #expect(boot == boots[g], "\(g) was restarted") }
        #expect(try await dhcpEntries(lab) == ["keep", "web-0", "web-1"])

        #expect(try await lab.tbctl("scale", "web=0").status == 0)
        left = try await Leftovers.of(project: "e2escale")
        #expect(left.domains == ["e2escale-keep"], "\(left)")
        #expect(try await lab.bootTimes(["keep"])["keep"] == boots["keep"])

        r = try await lab.tbctl("scale", "web=3")
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        for g in ["web-0", "web-1", "web-2"] {
            #expect(try await lab.ssh(g, "cat /root/setup-ran").stdout == "\(g)\n")
        }
        #expect(try await lab.bootTimes(["keep"])["keep"] == boots["keep"])

        // A service that is not one, and a bad count, are refused.
        let notService = try await lab.tbctl("scale", "keep=2")
        #expect(notService.status == 2 && notService.stderr.contains("`keep` is not a service"), "\(notService.stderr)")
        #expect(try await lab.tbctl("scale", "web=-1").status == 2)

        // Editing the compose file's replicas makes the file win over the recorded scale.
        try lab.replace("replicas: 3", with: "replicas: 4")
        #expect(try await lab.tbctl("generate-artefacts").status == 0)
        #expect(try clones(lab).count == 4)
        #expect(try await lab.tbctl("down", "--purge").status == 0)
    }
}
}
