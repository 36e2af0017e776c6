import Testing
@testable import Libvirt

@Suite("Networks (test driver)")
struct NetworkTests {
    @Test func lifecycle() async throws {
        let connection = try await openTestDriver()
        let name = uniqueName("net")
        let bridge = "tb\(name.suffix(8))"
        let network = try await connection.defineNetwork(xml: """
            <network>
              <name>\(name)</name>
              <bridge name='\(bridge)'/>
              <forward mode='nat'/>
              <ip address='10.250.0.1' netmask='255.255.255.0'/>
            </network>
            """)
        #expect(network.name == name)
        #expect(try await !network.isActive())
        try await network.create()
        #expect(try await network.isActive())
        #expect(try await network.bridgeName() == bridge)
        #expect(try await network.xml().contains("10.250.0.1"))
        try await network.setAutostart(true)
        #expect(try await connection.allNetworks().map(\.name).contains(name))
        #expect(try await connection.network(named: name)?.uuid == network.uuid)
        try await network.destroy()
        #expect(try await !network.isActive())
        try await network.undefine()
        #expect(try await connection.network(named: name) == nil)
    }

    @Test func theDefaultNetworkExists() async throws {
        let connection = try await openTestDriver()
        let network = try #require(try await connection.network(named: "default"))
        #expect(try await network.isActive())
    }
}
