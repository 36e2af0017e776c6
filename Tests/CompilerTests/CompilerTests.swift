import Compiler
import ComposeModel
import Core
import Foundation
import TestbedState
import TestSupport
import Testing

@Suite struct CompilerTests {
    var lab: Lab = {
        var l = Lab()
        l.guests = [Lab.guest("db", networks: ["lan", "dmz"]), Lab.guest("web", replicas: 3, golden: true)]
        return l
    }()

    @Test func servicesExpandIntoGoldenAndClones() throws {
        let s = try lab.compile()
        #expect(s.guests.map(\.name) == ["db", "web-golden", "web-0", "web-1", "web-2"])
        let svc = try #require(s.service(named: "web"))
        #expect(svc.clones == ["web-0", "web-1", "web-2"])
        let golden = try #require(svc.golden)
        #expect(s.guest(named: "web-1")?.disk.backingVolume == golden.volume)
        #expect(s.guest(named: "web-golden")?.disk.volume == golden.volume)
        #expect(s.guest(named: "web-golden")?.disk.backingVolume == s.images[0].volume)
        #expect(s.guest(named: "db")?.disk.backingVolume == s.images[0].volume)
    }

    @Test func addressesFollowNameOrderAndSkipReservedOnes() throws {
        let s = try lab.compile()
        #expect(s.ip("db", "lan") == "10.10.0.1")
        #expect(s.ip("web-0", "lan") == "10.10.0.2")
        #expect(s.ip("db", "dmz") == "10.20.0.2")            // .1 is the gateway
        #expect(s.ip("db", "management") == "10.150.0.2")    // .1 is the host
        #expect(s.guest(named: "db")?.nics[2].gateway == "10.20.0.1")
        #expect(s.guest(named: "db")?.nics[0].gateway == nil)
        #expect(s.guest(named: "web-0")?.nics[0].gateway == "10.150.0.1")
    }

    @Test func sameInputSameBytes() throws {
        #expect(try lab.compile().encoded() == lab.compile().encoded())
        var reordered = lab
        reordered.guests.reverse()
        reordered.networks.reverse()
        #expect(try reordered.compile().encoded() == lab.compile().encoded())
    }

    @Test func addingAGuestMovesNoOtherAddressOrMAC() throws {
        let before = try lab.compile()
        var grown = lab
        grown.guests.append(Lab.guest("aaa", networks: ["lan", "dmz"]))  // sorts first
        let after = try grown.compile(previous: before)
        for g in before.guests {
            #expect(after.guest(named: g.name)?.nics == g.nics, "\(g.name) changed")
        }
        #expect(after.ip("aaa", "lan") == "10.10.0.5")
        // MACs do not even depend on the previous state.
        let fresh = try grown.compile()
        #expect(fresh.guest(named: "db")?.nics.map(\.mac) == before.guest(named: "db")?.nics.map(\.mac))
    }

    @Test func macsUseTheProjectPrefixAndAreUnique() throws {
        let s = try lab.compile()
        let macs = s.guests.flatMap { $0.nics.map(\.mac) }
        #expect(Set(macs).count == macs.count)
        let prefix = macs[0].prefix(8)
        #expect(macs.allSatisfy { $0.hasPrefix(prefix) && $0.hasPrefix("52:54:") })
        var other = lab
        other.project = "other"
        #expect(try other.compile().guests[0].nics[0].mac.prefix(8) != prefix)
    }

    @Test func guestHostKeysAreDerivedPerGuest() throws {
        let s = try lab.compile()
        let expected = try Ed25519Key.derive(secret: Lab.key.seed, label: "hostkey:web-1").publicLine(comment: "web-1")
        #expect(s.guest(named: "web-1")?.hostKey == expected)
        #expect(Set(s.guests.map(\.hostKey)).count == s.guests.count)
    }

    @Test func domainXMLNamesArePrefixedWithTheProject() throws {
        let s = try lab.compile()
        #expect(s.guests.allSatisfy { $0.domain == "lab-\($0.name)" })
        #expect(s.hosts[0].pool == "tbctl-lab")
        #expect(s.hosts[0].management.network == "lab-mgmt")
    }

    @Test func subnetExhaustionIsLocated() throws {
        var small = lab
        small.networks[0] = NetworkSpec(name: "lan", mark: .init(file: "t.yaml", line: 7, column: 3),
                                        subnet: Subnet("10.10.0.0/30")!, gateway: nil, tunnel: .vxlan)
        #expect { try small.compile() } throws: { error in
            let d = (error as? ComposeError)?.diagnostics.first
            return d?.mark?.line == 7 && d?.message.contains("no address left") == true
        }
    }

    @Test func scaleOverrideChangesCloneCount() throws {
        let s = try lab.compile(overrides: ["web": 5])
        #expect(s.service(named: "web")?.clones.count == 5)
        #expect(try lab.compile(overrides: ["web": 0]).service(named: "web")?.clones == [])
    }
}
