import Core
import Hosts
import TestbedState

/// One host's view of its booting guests, shared by their waits: one libvirt statistics call
/// (state and CPU time of every domain, NOWAIT) and one console probe per `interval`,
/// whatever the number of guests waiting.
actor BootSampler {
    struct Sample: Sendable {
        var taken: ContinuousClock.Instant
        /// nil: the statistics call failed this time (nothing is concluded from it).
        var domains: [String: (state: DomainState, cpu: Double?)]?
        var consoles: [String: ConsoleLogs.Mark]
    }

    let host: any HostConnection
    let interval: Duration
    /// Domain -> (waits watching it, its log's size when its boot began).
    private var watched: [String: (count: Int, since: Int)] = [:]
    private var last: Sample?
    private var pending: Task<Sample, Never>?

    init(host: any HostConnection, interval: Duration) { self.host = host; self.interval = interval }

    func watch(_ domain: String, since: Int) { watched[domain] = ((watched[domain]?.count ?? 0) + 1, since) }
    func unwatch(_ domain: String) {
        guard let w = watched[domain] else { return }
        watched[domain] = w.count > 1 ? (w.count - 1, w.since) : nil
    }

    /// A sample no older than half the interval; concurrent callers share one.
    func sample() async -> Sample {
        if let last, last.taken.duration(to: .now) < interval / 2 { return last }
        if let pending { return await pending.value }
        let host = self.host, logs = watched.keys.sorted().map { (path: Names.serialLog(domain: $0), since: watched[$0]!.since) }
        let task = Task { await Self.take(host, logs) }
        pending = task
        let s = await task.value
        last = s
        pending = nil
        return s
    }

    private static func take(_ host: any HostConnection, _ logs: [(path: String, since: Int)]) async -> Sample {
        async let stats = try? host.libvirt.allDomainStats()
        async let consoles = try? ConsoleLogs.probe(logs, on: host.runner)
        let domains = await stats.map { all in
            Dictionary(all.map { s in (s.domain, (state: DomainState.from(libvirt: s.state), cpu: s.cpuTimeSeconds)) },
                       uniquingKeysWith: { a, _ in a })
        }
        return Sample(taken: .now, domains: domains, consoles: await consoles ?? [:])
    }
}

extension BootSampler.Sample {
    /// What the sample shows of one guest's domain.
    func observation(of domain: String) -> BootProgress.Observation {
        let d = domains?[domain]
        return .init(state: d?.state, domainKnown: domains == nil || d != nil, cpuSeconds: d?.cpu,
                     console: consoles[Names.serialLog(domain: domain)])
    }
}

extension DomainState {
    /// From virDomainState's number (DomainStats.state); unknown numbers are `nostate`.
    static func from(libvirt n: Int) -> DomainState {
        allCases.indices.contains(n) ? allCases[n] : .nostate
    }
}
