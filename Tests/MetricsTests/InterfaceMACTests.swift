import ComposeModel
import Core
import HostFakes
import Hosts
@testable import LiveHosts
import Metrics
import TestbedState
import Testing
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

@Suite struct HostStatsSourceTests {
    /// The live adapter over libvirt's test driver: the bulk call through a kept connection.
    @Test func scrapesLibvirtOverAKeptConnection() async throws {
        var lab = Lab()
        lab.hosts = [HostSpec(name: "main", mark: nil, uri: "test:///default", ssh: nil, identity: nil, tunnelIP: nil,
                              accel: .tcg, datapath: .netdev, cpus: nil, memoryMiB: nil)]
        lab.guests = [Lab.guest("a")]
        let state = try lab.compile()
        #expect(state.hosts[0].libvirtURI == "test:///default")
        let source = HostStatsSource(connector: LiveConnector(knownHosts: "/nonexistent/known_hosts"))
        for _ in 0..<2 {
            let stats = try await source.domainStats(of: state.hosts[0])
            #expect(stats.contains { $0.domain == "test" && $0.state == 1 })
        }
        await source.closeAll()
    }

    /// Over fake hosts: a host whose statistics call fails is down for that scrape, its
    /// connection dropped (closed) and opened again at the next one, which answers.
    @Test func aFailedCallDropsTheConnectionAndTheNextScrapeReconnects() async throws {
        var lab = Lab()
        lab.hosts.append(Lab.remote("h1", "10.77.0.11"))
        lab.guests = [Lab.guest("a", host: "main")]
        let state = try lab.compile()
        let fakes = FakeLab(state)
        let source = HostStatsSource(connector: fakes)
        fakes.inject(Fault(host: "h1", op: "domain.stats",
                           .fail(TBError(.libvirt, "cannot read domain statistics: end of file while reading data")), times: 1))
        let first = await Scraper(source: source).scrape(state.hosts)
        #expect(first.host("main")?.up == true && first.host("h1")?.up == false)
        #expect(first.host("h1")?.error?.contains("end of file") == true)
        await Task.yield()
        #expect(fakes.host("h1").closed == 1, "the failed connection is closed")
        let second = await Scraper(source: source).scrape(state.hosts)
        #expect(second.host("h1")?.up == true)
        #expect(fakes.calls.filter { $0.op == "host.connect" && $0.host == "h1" }.count == 2)
        #expect(fakes.calls.filter { $0.op == "host.connect" && $0.host == "main" }.count == 1)
        await source.closeAll()
    }
}
