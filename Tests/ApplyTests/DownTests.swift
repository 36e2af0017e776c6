import Apply
import Core
import HostFakes
import Hosts
import TestbedState
import TestSupport
import Testing

@Suite struct DownTests {
    @Test func downRemovesTheProjectAndKeepsTheImageCache() async throws {
        let t = try Testbed.webAndDB()
        defer { t.remove() }
        try await t.up()
        try await t.provisioner().down(purge: false)
        let main = t.lab.host("main")
        #expect(main.domains.isEmpty && main.networks.isEmpty && main.bridges.isEmpty)
        let kept = main.files.keys.map { $0.split(separator: "/").last.map(String.init) ?? "" }
        #expect(kept.count == 2 && kept.allSatisfy { $0.hasPrefix("base-") || $0.hasPrefix("golden-") }, "\(kept)")
        #expect(t.record.setup.isEmpty)
        try await t.provisioner().down(purge: true)
        #expect(t.lab.host("main").pools.isEmpty && t.lab.host("main").files.isEmpty)
    }

    /// Each part is tried even when another failed: a management network that cannot be
    /// removed does not keep the guests or the bridges; the error names what is left.
    @Test func everyPartIsAttempted() async throws {
        let t = try Testbed.webAndDB()
        defer { t.remove() }
        try await t.up()
        t.lab.inject(.failing("network.destroy", "network is busy"))
        let error = await #expect(throws: TBError.self) { try await t.provisioner().down(purge: false) }
        #expect(error?.message.contains("1 problem") == true)
        #expect(error?.description.contains("cannot remove the management network") == true)
        let main = t.lab.host("main")
        #expect(main.domains.isEmpty && main.bridges.isEmpty)
        #expect(!main.files.keys.contains { $0.hasSuffix("db.qcow2") })
        #expect(main.networks["lab-mgmt"] != nil)
    }

    /// A domain that cannot be removed keeps its disk (it may still use it); the network and
    /// bridges go all the same.
    @Test func disksStayWhileTheirDomainCouldNotBeRemoved() async throws {
        let t = try Testbed.webAndDB()
        defer { t.remove() }
        try await t.up()
        t.lab.inject(.failing("domain.destroy", object: "lab-db", "domain is locked"))
        let error = await #expect(throws: TBError.self) { try await t.provisioner().down(purge: false) }
        #expect(error?.description.contains("cannot remove the project's domains") == true)
        let main = t.lab.host("main")
        #expect(main.domains.keys.sorted() == ["lab-db"])
        #expect(main.files.keys.contains { $0.hasSuffix("/db.qcow2") })
        #expect(main.networks.isEmpty && main.bridges.isEmpty)
    }
}
