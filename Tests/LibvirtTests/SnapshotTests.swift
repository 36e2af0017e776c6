import Testing
@testable import Libvirt

@Suite("Snapshots (test driver)")
struct SnapshotTests {
    @Test func createListRevertDelete() async throws {
        let connection = try await openTestDriver()
        let name = uniqueName("snap")
        let domain = try await connection.defineDomain(xml: testDomainXML(name))
        try await domain.start()
        #expect(try await domain.currentSnapshot() == nil)

        let first = try await domain.createSnapshot(xml: "<domainsnapshot><name>base</name></domainsnapshot>")
        #expect(first.name == "base")
        #expect(try await first.isCurrent())
        try await domain.suspend()
        let second = try await domain.createSnapshot(xml: "<domainsnapshot><name>later</name></domainsnapshot>")
        #expect(try await second.isCurrent())
        #expect(try await !first.isCurrent())
        #expect(try await Set(domain.snapshots().map(\.name)) == ["base", "later"])
        #expect(try await second.xml().contains("<state>paused</state>"))

        // "later" was taken paused: revert with .running to get a running guest.
        try await second.revert(.running)
        #expect(try await domain.state() == .running)
        try await first.revert(.paused)
        #expect(try await domain.state() == .paused)
        #expect(try await domain.currentSnapshot()?.name == "base")

        #expect(try await domain.snapshot(named: "missing") == nil)
        try await second.delete()
        #expect(try await domain.snapshot(named: "later") == nil)

        // Undefine removes the remaining snapshot metadata too (the default flags).
        try await domain.destroy()
        try await domain.undefine()
        #expect(try await connection.domain(named: name) == nil)
    }
}
