import Core
import Foundation
import Metrics
import TestbedState
import TestSupport

/// A testbed of two hosts: `a` (single, lan) on main, a service `web` of two clones spread
/// over main and h1.
func twoHostState() throws -> TestbedState {
    var lab = Lab()
    lab.hosts.append(Lab.remote("h1", "10.77.0.11"))
    lab.guests = [Lab.guest("a", host: "main"), Lab.guest("web", replicas: 2)]
    return try lab.compile()
}

/// Statistics for a guest's domain as libvirt's bulk call would report them for a running
/// guest with one NIC per network in the state's order.
func runningStats(_ g: TestbedState.Guest, cpu: Double = 12.5, withMACs: Bool = true) -> DomainStats {
    var n: [String: Double] = ["state.state": 1, "cpu.time": cpu * 1e9, "vcpu.current": 1, "vcpu.maximum": 1, "vcpu.0.time": cpu * 0.9e9,
                               "balloon.current": 131072, "balloon.maximum": 131072, "balloon.rss": 90000,
                               "net.count": Double(g.nics.count), "block.count": 2,
                               "block.0.rd.bytes": 4096, "block.0.rd.reqs": 2, "block.0.wr.bytes": 512, "block.0.wr.reqs": 1]
    var s: [String: String] = ["block.0.name": "vda", "block.0.path": "/pool/\(g.name).qcow2", "block.1.name": "hdc"]
    for i in g.nics.indices {
        s["net.\(i).name"] = "vnet\(10 + i)"
        n["net.\(i).rx.bytes"] = Double(1000 * (i + 1)); n["net.\(i).tx.bytes"] = Double(500 * (i + 1))
        n["net.\(i).rx.pkts"] = 10; n["net.\(i).tx.pkts"] = 5
        n["net.\(i).rx.errs"] = 0; n["net.\(i).tx.errs"] = 0; n["net.\(i).rx.drop"] = 0; n["net.\(i).tx.drop"] = 0
    }
    var d = DomainStats(domain: g.domain, numbers: n, strings: s)
    if withMACs { for i in d.nics.indices { d.nics[i].mac = g.nics[d.nics[i].index].mac } }
    return d
}

/// Canned statistics per host; a host listed in `down` throws, one in `slow` never answers.
struct FakeStatsSource: StatsSource {
    var stats: [String: [DomainStats]]
    var down: Set<String> = []
    var slow: Set<String> = []

    func domainStats(of host: TestbedState.Host) async throws -> [DomainStats] {
        if down.contains(host.name) { throw TBError(.libvirt, "cannot reach host \(host.name)", cause: "connection refused") }
        if slow.contains(host.name) { try await Task.sleep(for: .seconds(3600)) }
        return stats[host.name] ?? []
    }
}

func sample(_ families: [MetricFamily], _ name: String, _ labels: [String: String]) -> Double? {
    families.first { $0.name == name }?.samples.first { s in labels.allSatisfy { s.label($0.key) == $0.value } }?.value
}
