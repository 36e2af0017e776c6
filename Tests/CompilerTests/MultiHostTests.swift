import Compiler
import ComposeModel
import Core
import TestbedState
import TestSupport
import Testing

@Suite struct MultiHostTests {
    func lab(memory: Int? = nil) -> Lab {
        var l = Lab()
        l.hosts[0].tunnelIP = IPv4("10.77.0.1")
        l.hosts += [Lab.remote("h1", "10.77.0.11", memory: memory), Lab.remote("h2", "10.77.0.12", memory: memory)]
        l.guests = [Lab.guest("db", networks: ["lan", "dmz"], host: "h2"),
                    Lab.guest("web", networks: ["lan", "dmz"], replicas: 6, golden: true)]
        return l
    }

    @Test func pinsAreHonouredAndTheRestSpreads() throws {
        let s = try lab().compile()
        #expect(s.guest(named: "db")?.host == "h2")
        let hosts = s.service(named: "web")!.clones.map { s.guest(named: $0)!.host }
        #expect(Set(hosts) == ["main", "h1", "h2"])
        let golden = s.service(named: "web")!.golden!
        #expect(golden.hosts == ["main", "h1", "h2"])
        #expect(s.guest(named: golden.builder)?.host == golden.host)
    }

    @Test func capacityLimitsPlacement() throws {
        var l = lab(memory: 256)                 // h1, h2 take two 128 MiB guests each
        l.hosts[0].memoryMiB = 512               // main takes four: eight in all, db among them
        l.guests[1].replicas = 7
        let s = try l.compile()
        let count = { (h: String) in s.guests.filter { $0.host == h && $0.role.kind != .golden }.count }
        #expect([count("main"), count("h1"), count("h2")] == [4, 2, 2])
        l.guests[1].replicas = 8
        #expect { try l.compile() } throws: { ($0 as? ComposeError)?.description.contains("does not fit on any host") == true }
    }

    @Test func placementIsSticky() throws {
        let before = try lab().compile()
        var l = lab()
        l.guests.append(Lab.guest("aaa", memory: 4096))
        let after = try l.compile(previous: before)
        for g in before.guests { #expect(after.guest(named: g.name)?.host == g.host) }
    }

    /// A host dropped from the compose file stays in the state as retired (so `up` and `down`
    /// still reach it to remove the project there) until it is forgotten; its guests move.
    @Test func aRemovedHostIsRetiredAndItsGuestsMove() throws {
        let before = try lab().compile()
        #expect(before.retiredHosts == nil)
        var l = lab()
        l.hosts.removeLast()                     // h2 goes
        l.guests[0].host = "h1"                  // db was pinned there
        let after = try l.compile(previous: before)
        #expect(after.retiredHosts?.map(\.name) == ["h2"])
        #expect(after.retiredHosts?.first == before.host(named: "h2"))
        #expect(!after.guests.contains { $0.host == "h2" })
        #expect(try l.compile(previous: after).retiredHosts?.map(\.name) == ["h2"])   // until forgotten
        #expect(try lab().compile(previous: after).retiredHosts == nil)              // back again
    }

    @Test func tunnelsFormAStarAroundTheHub() throws {
        let s = try lab().compile()
        let lan = s.tunnels.filter { $0.network == "lan" }
        #expect(lan.count == 2)
        #expect(lan.allSatisfy { $0.hub.host == "main" && $0.key == s.network(named: "lan")!.vni })
        #expect(lan.map(\.spoke.host) == ["h1", "h2"])
        #expect(lan[0].hub.remoteIP == "10.77.0.11" && lan[0].spoke.remoteIP == "10.77.0.1")
        #expect(s.network(named: "lan")!.vni != s.network(named: "dmz")!.vni)
        #expect(s.network(named: "lan")!.mtu == 1450)
        #expect(s.network(named: "dmz")!.mtu == 1442)
        let ports = s.tunnels.flatMap { [$0.hub.port, $0.spoke.port] }
        #expect(ports.allSatisfy { $0.count <= 15 })
    }

    @Test func managementSubnetsArePerHost() throws {
        let s = try lab().compile()
        #expect(s.hosts.map(\.management.subnet) == ["10.150.0.0/24", "10.150.1.0/24", "10.150.2.0/24"])
        #expect(s.ip("db", "management") == "10.150.2.2")
        #expect(s.hosts[1].libvirtURI.hasPrefix("qemu+libssh2://root@10.77.0.11:22/system?"))
    }

    @Test func longNamesFitTheInterfaceLimit() throws {
        var l = lab()
        l.project = "averyveryverylongproject"
        l.networks[0].name = "backbone-network-one"
        l.guests[0].networks[0].network = "backbone-network-one"
        l.guests[1].networks[0].network = "backbone-network-one"
        let s = try l.compile()
        let names = s.networks.map(\.bridge) + [s.hosts[0].management.bridge] + s.tunnels.flatMap { [$0.hub.port, $0.spoke.port] }
        #expect(names.allSatisfy { $0.count <= 15 })
        #expect(Set(s.networks.map(\.bridge)).count == 2)
        var other = l
        other.project = "averyveryverylongproject2"
        #expect(Set(try other.compile().networks.map(\.bridge)).isDisjoint(with: s.networks.map(\.bridge)))
    }
}
