import Testing
import Core
@testable import Libvirt

@Suite("Connection (test driver)")
struct ConnectionTests {
    @Test func opensAndDescribesTheHost() async throws {
        let connection = try await openTestDriver()
        #expect(connection.uri == "test:///default")
        #expect(try await !connection.hostname().isEmpty)
        let version = try await connection.version()
        #expect(version.libvirt >= LibvirtVersion(major: 9, minor: 0, release: 0))
        #expect(await connection.isAlive())
        #expect(!connection.keepAliveEnabled) // in-process driver
        await connection.close()
        await connection.close() // idempotent
    }

    @Test func reportsNodeResources() async throws {
        let connection = try await openTestDriver()
        let node = try await connection.nodeInfo()
        #expect(node.cpus > 0)
        #expect(node.memoryBytes > 0)
        #expect(try await connection.freeMemory() > 0)
        #expect(try await connection.capabilities().contains("<capabilities>"))
    }

    @Test func openFailureCarriesLibvirtsMessage() async throws {
        let error = await #expect(throws: TBError.self) {
            _ = try await LibvirtConnection.open("tbtest-nodriver:///system")
        }
        #expect(error?.code == .libvirt)
        #expect(error?.object == "tbtest-nodriver:///system")
        #expect(error?.cause?.contains("libvirt error") == true)
    }

    @Test func closedConnectionRefusesNewCallsButObjectsLiveOn() async throws {
        let connection = try await openTestDriver()
        let name = uniqueName("dom")
        let domain = try await connection.defineDomain(xml: testDomainXML(name))
        await connection.close()
        let error = await #expect(throws: TBError.self) { _ = try await connection.domain(named: name) }
        #expect(error?.message == "connection is closed")
        #expect(await !connection.isAlive())
        // The domain holds libvirt's connection open until it is released.
        #expect(try await domain.state() == .shutoff)
        try await domain.undefine()
    }

    @Test func versionsCompareAndPrint() {
        let v = LibvirtVersion(9_000_001)
        #expect(v == LibvirtVersion(major: 9, minor: 0, release: 1))
        #expect(v.description == "9.0.1")
        #expect(LibvirtVersion(major: 8, minor: 10, release: 0) < v)
    }
}
