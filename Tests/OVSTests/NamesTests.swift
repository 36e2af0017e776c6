@testable import OVS
@testable import OVSModel
import Testing

@Suite struct NamesTests {
    @Test func shortNamesStayReadable() {
        #expect(OVSNames.bridge(project: "lab", network: "lan") == "tb-lab-lan")
        #expect(OVSNames.gatewayPort(project: "lab", network: "lan") == "tg-lab-lan")
        #expect(OVSNames.tunnelPort(project: "lab", network: "lan", peer: "h2") == "tt-lab-lan-h2")
    }

    @Test func longNamesAreHashedStablyWithinTheLimit() {
        let name = OVSNames.bridge(project: "a-rather-long-project", network: "backend")
        #expect(name.count == 12 && name.count <= OVSNames.maxLength)
        #expect(name.hasPrefix("tb") && !name.contains("-"))
        #expect(name.dropFirst(2).allSatisfy { $0.isHexDigit })
        // Stable across runs and machines: every host must compute the same bridge name.
        #expect(name == OVSNames.bridge(project: "a-rather-long-project", network: "backend"))
    }

    @Test func namesThatCouldReadTwoWaysAreHashed() {
        // Both would read tb-a-b-c; one of them must not take the readable form.
        let x = OVSNames.bridge(project: "a-b", network: "c")
        let y = OVSNames.bridge(project: "a", network: "b-c")
        #expect(x == "tb-a-b-c")
        #expect(x != y)
        #expect(OVSNames.tunnelPort(project: "p", network: "a-b", peer: "c")
                != OVSNames.tunnelPort(project: "p", network: "a", peer: "b-c"))
    }

    @Test func manyLongNamesAreUniqueAndFit() {
        var seen: Set<String> = []
        for p in 0..<30 {
            for n in 0..<10 {
                let project = "project-number-\(p)", network = "network-\(n)"
                let names = [OVSNames.bridge(project: project, network: network),
                             OVSNames.gatewayPort(project: project, network: network)]
                    + (0..<5).map { OVSNames.tunnelPort(project: project, network: network, peer: "host-\($0)") }
                for name in names {
                    #expect(name.count <= OVSNames.maxLength)
                    #expect(seen.insert(name).inserted, "duplicate \(name)")
                }
            }
        }
        #expect(seen.count == 30 * 10 * 7)
    }

    @Test func oddCharactersAreHashed() {
        let name = OVSNames.bridge(project: "p", network: "a b")
        #expect(name.hasPrefix("tb") && !name.contains(" ") && name.count == 12)
    }
}
