import Testing
import Core
@testable import Libvirt

@Suite("Domains (test driver)")
struct DomainTests {
    @Test func lifecycle() async throws {
        let connection = try await openTestDriver()
        let name = uniqueName("dom")
        let domain = try await connection.defineDomain(xml: testDomainXML(name))
        #expect(domain.name == name)
        #expect(domain.uuid.count == 36)
        #expect(try await domain.state() == .shutoff)
        #expect(try await domain.isPersistent())

        try await domain.start()
        #expect(try await domain.state() == .running)
        #expect(try await domain.isActive())
        try await domain.suspend()
        #expect(try await domain.state() == .paused)
        try await domain.resume()
        #expect(try await domain.state() == .running)
        try await domain.shutdown()
        #expect(try await domain.state() == .shutoff)
        try await domain.start()
        try await domain.destroy()
        #expect(try await domain.state() == .shutoff)

        try await domain.undefine()
        #expect(try await connection.domain(named: name) == nil)
    }

    @Test func lookupAndList() async throws {
        let connection = try await openTestDriver()
        let name = uniqueName("dom")
        let defined = try await connection.defineDomain(xml: testDomainXML(name))
        let found = try #require(try await connection.domain(named: name))
        #expect(found.uuid == defined.uuid)
        let names = try await connection.allDomains().map(\.name)
        #expect(names.contains(name))
        #expect(names.contains("test")) // the test driver's running domain
        #expect(try await connection.domain(named: uniqueName("missing")) == nil)
        #expect(try await found.xml().contains("<name>\(name)</name>"))
        #expect(try await found.xml(.inactive).contains("<name>\(name)</name>"))
        try await defined.undefine()
    }

    @Test func failuresNameTheDomain() async throws {
        let connection = try await openTestDriver()
        let name = uniqueName("dom")
        let domain = try await connection.defineDomain(xml: testDomainXML(name))
        try await domain.start()
        let error = await #expect(throws: TBError.self) { try await domain.start() }
        #expect(error?.code == .libvirt)
        #expect(error?.object?.contains(name) == true)
        #expect(error?.cause?.isEmpty == false)
        try await domain.destroy()
        try await domain.undefine()
    }

    @Test func autostartAndMetadata() async throws {
        let connection = try await openTestDriver()
        let name = uniqueName("dom")
        let domain = try await connection.defineDomain(xml: testDomainXML(name))
        try await domain.setAutostart(true)
        #expect(try await domain.autostart())

        let ns = "https://tbctl.dev/xmlns/guest/1"
        #expect(try await domain.metadata(uri: ns) == nil)
        try await domain.setMetadata("<guest project='lab' digest='abc'/>", key: "tb", uri: ns)
        let xml = try #require(try await domain.metadata(uri: ns))
        #expect(xml.contains("project=\"lab\""))
        #expect(xml.contains("digest=\"abc\""))
        try await domain.setMetadata(nil, key: "tb", uri: ns)
        #expect(try await domain.metadata(uri: ns) == nil)
        try await domain.undefine()
    }
}
