import Core
import Foundation
import Metrics
import TestbedState
import Testing

@Suite struct CollectorTests {
    @Test func parsesLibvirtParameters() {
        let d = DomainStats(domain: "lab-a", numbers: [
            "state.state": 3, "cpu.time": 2_500_000_000, "vcpu.current": 2, "vcpu.maximum": 2, "vcpu.0.time": 1e9, "vcpu.1.time": 5e8,
            "balloon.current": 1024, "balloon.rss": 2048, "net.count": 2, "net.1.rx.bytes": 77, "block.count": 1, "block.0.wr.reqs": 4,
        ], strings: ["net.1.name": "vnet7", "block.0.name": "vda"])
        #expect(d.stateName == "paused")
        #expect(d.cpuTimeSeconds == 2.5)
        #expect(d.vcpuTimeSeconds == [0: 1, 1: 0.5])
        #expect(d.memoryCurrentBytes == 1024 * 1024 && d.memoryRSSBytes == 2048 * 1024 && d.memoryAvailableBytes == nil)
        // net.0 has no host device (no name): skipped; net.1 keeps its position.
        #expect(d.nics.map(\.index) == [1] && d.nics[0].device == "vnet7" && d.nics[0].rxBytes == 77)
        #expect(d.disks.map(\.name) == ["vda"] && d.disks[0].writeRequests == 4)
    }

    @Test func guestSeriesCarryTestbedGuestServiceHostAndNetwork() async throws {
        let state = try twoHostState()
        let web0 = try #require(state.guest(named: "web-0"))
        let a = try #require(state.guest(named: "a"))
        let stats = [a.host: [runningStats(a, cpu: 7)], web0.host: [runningStats(web0, withMACs: false)]]
            .reduce(into: [String: [DomainStats]]()) { $0[$1.key, default: []] += $1.value }
        let obs = await Scraper(source: FakeStatsSource(stats: stats)).scrape(state.hosts)
        let f = Collector.families(state: state, observation: obs, facts: TestbedFacts(), scrapeSeconds: 0)

        #expect(sample(f, "libvirt_domain_info_cpu_time_seconds_total", ["guest": "a", "testbed": "lab", "host": "main", "service": ""]) == 7)
        #expect(sample(f, "libvirt_domain_info_cpu_time_seconds_total", ["guest": "web-0", "service": "web", "host": web0.host]) == 12.5)
        #expect(sample(f, "libvirt_domain_interface_stats_receive_bytes_total", ["guest": "a", "network": "management"]) == 1000)
        #expect(sample(f, "libvirt_domain_interface_stats_transmit_bytes_total", ["guest": "a", "network": "lan"]) == 1000)
        // Without MACs the position in the domain XML tells the network.
        #expect(sample(f, "libvirt_domain_interface_stats_receive_bytes_total", ["guest": "web-0", "network": "lan"]) == 2000)
        #expect(sample(f, "libvirt_domain_block_stats_read_bytes_total", ["guest": "a", "disk": "vda"]) == 4096)
        #expect(sample(f, "libvirt_domain_vcpu_time_seconds_total", ["guest": "a", "vcpu": "0"]) != nil)
        #expect(sample(f, "tbctl_guests", ["host": "main", "state": "running"]) == Double([a, web0].filter { $0.host == "main" }.count))
        #expect(sample(f, "tbctl_guests", ["host": "main", "state": "undefined"]) != nil)
    }

    @Test func aNICWhoseMACMatchesNoGuestNICIsUnknown() throws {
        let state = try twoHostState()
        let a = try #require(state.guest(named: "a"))
        var d = runningStats(a)
        d.nics[0].mac = "52:54:00:00:00:01"
        #expect(Collector.network(of: d.nics[0], guest: a, state: state) == "unknown")
        d.nics[0].mac = a.nics[0].mac.uppercased()
        #expect(Collector.network(of: d.nics[0], guest: a, state: state) == "management")
    }

    /// Domains of other projects, and a guest's domain found on a host the state does not
    /// place it on, give no series.
    @Test func foreignDomainsAreLeftOut() async throws {
        let state = try twoHostState()
        let a = try #require(state.guest(named: "a"))
        var foreign = runningStats(a); foreign.domain = "other-a"
        let obs = await Scraper(source: FakeStatsSource(stats: ["main": [foreign], "h1": [runningStats(a)]])).scrape(state.hosts)
        let f = Collector.families(state: state, observation: obs, facts: TestbedFacts(), scrapeSeconds: 0)
        #expect(f.first { $0.name == "libvirt_domain_info_state" }?.samples.isEmpty ?? true)
    }

    @Test func aHostThatFailsOrHangsIsDownNotAFailedScrape() async throws {
        let state = try twoHostState()
        let a = try #require(state.guest(named: "a"))
        let source = FakeStatsSource(stats: ["main": [runningStats(a)]], slow: ["h1"])
        let t0 = ContinuousClock.now
        let obs = await Scraper(source: source, timeout: .milliseconds(300)).scrape(state.hosts)
        #expect(ContinuousClock.now - t0 < .seconds(5))
        let f = Collector.families(state: state, observation: obs, facts: TestbedFacts(), scrapeSeconds: 0)
        #expect(sample(f, "tbctl_host_up", ["host": "main"]) == 1)
        #expect(sample(f, "tbctl_host_up", ["host": "h1"]) == 0)
        #expect(obs.host("h1")?.error?.contains("no answer within") == true)
        let onH1 = state.userGuests.filter { $0.host == "h1" }.count
        #expect(sample(f, "tbctl_guests", ["host": "h1", "state": "unknown"]) == Double(onH1))

        let refused = await Scraper(source: FakeStatsSource(stats: [:], down: ["main"])).scrape(state.hosts)
        #expect(refused.host("main")?.up == false && refused.host("main")?.error?.contains("connection refused") == true)
    }

    @Test func runsJobsAndSamples() async throws {
        let state = try twoHostState()
        let obs = Observation(time: 0, hosts: [])
        let facts = TestbedFacts(runs: [.init(id: "r1", scenario: "s.yaml", status: "succeeded", duration: 10),
                                        .init(id: "r2", scenario: "s.yaml", status: "running", duration: 2)],
                                 jobs: [.init(run: "r1", stage: "load", job: "bench", guest: "a", status: "succeeded", duration: 3),
                                        .init(run: "r1", stage: "load", job: "bench", guest: "b", status: "failed", duration: 5)],
                                 samples: [.init(run: "r1", scenario: "s.yaml", metric: "rps", job: "bench", guest: "a", value: 99)])
        let f = Collector.families(state: state, observation: obs, facts: facts, scrapeSeconds: 0)
        #expect(sample(f, "tbctl_runs", ["status": "running"]) == 1)
        #expect(sample(f, "tbctl_jobs", ["status": "failed"]) == 1)
        #expect(sample(f, "tbctl_run_duration_seconds", ["run": "r1"]) == 10)
        let jobs = try #require(f.first { $0.name == "tbctl_job_duration_seconds" })
        #expect(jobs.samples.first { $0.suffix == "_sum" }?.value == 8)
        #expect(jobs.samples.first { $0.suffix == "_count" }?.value == 2)
        #expect(sample(f, "tbctl_scenario_sample", ["metric": "rps", "guest": "a"]) == 99)
    }
}
