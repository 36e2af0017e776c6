import Testing
@testable import Hosts
import Compose
import Metrics
import TestSupport

@Suite struct InterfaceMACTests {
    @Test func tapToMACFromLiveXML() {
        let xml = """
            <domain type='qemu' id='7'><devices>
              <interface type='network'>
                <mac address='52:54:e8:7c:15:fa'/>
                <source network='lab-mgmt' portid='x' bridge='virbr3'/>
                <target dev='vnet12'/>
                <model type='virtio'/>
              </interface>
              <interface type='bridge'>
                <mac address="52:54:e8:7c:17:ad"/>
                <source bridge='tb-lab-lan'/>
                <virtualport type='openvswitch'><parameters interfaceid='y'/></virtualport>
                <target dev='vnet13'/>
              </interface>
              <interface type='user'><mac address='52:54:00:00:00:09'/></interface>
            </devices></domain>
            """
        #expect(InterfaceMACCache.parse(xml) == ["vnet12": "52:54:e8:7c:15:fa", "vnet13": "52:54:e8:7c:17:ad"])
    }
}

@Suite struct LiveStatsSourceTests {
    /// Over libvirt's test driver: the bulk call through a kept connection, twice, then closed.
    @Test func scrapesAHostOverAKeptConnection() async throws {
        var lab = Lab()
        lab.hosts = [HostSpec(name: "main", mark: nil, uri: "test:///default", ssh: nil, identity: nil, tunnelIP: nil,
                              accel: "tcg", datapath: "netdev", cpus: nil, memoryMiB: nil)]
        lab.guests = [Lab.guest("a")]
        let state = try lab.compile()
        #expect(state.hosts[0].libvirtURI == "test:///default")
        let source = LiveStatsSource(knownHosts: "/nonexistent/known_hosts")
        for _ in 0..<2 {
            let stats = try await source.domainStats(of: state.hosts[0])
            #expect(stats.contains { $0.domain == "test" && $0.state == 1 })
        }
        await source.closeAll()
        let obs = await Scraper(source: source).scrape(state.hosts)
        #expect(obs.host("main")?.up == true)
        await source.closeAll()
    }
}
