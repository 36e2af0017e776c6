import Core
import Hosts
import TestbedState

/// One host's view of its booting guests, shared by their waits: one libvirt statistics call
/// (state and CPU time of every domain, NOWAIT) and one probe (console logs, neighbour table)
/// per `interval`, whatever the number of guests waiting; and libvirt's lifecycle events, which
/// tell a panic (pvpanic), a QEMU failure or a poweroff the moment it happens.
actor BootSampler {
    struct Sample: Sendable {
        var taken: ContinuousClock.Instant
        /// nil: the statistics call failed this time (nothing is concluded from it).
        var domains: [String: (state: DomainState, cpu: Double?)]?
        var consoles: [String: ConsoleLogs.Mark]
        var neighbours: [String: BootProbe.Neighbour]
    }

    /// What is watched of one domain: how many waits, its log's size when its boot began, and
    /// its management address (whose ARP answers count as progress).
    struct Watch {
        var count: Int
        var since: Int
        var address: (ip: String, mac: String)?
        var stops: [AsyncStream<DomainStop>.Continuation] = []
    }

    let host: any HostConnection
    let interval: Duration
    private var watched: [String: Watch] = [:]
    private var last: Sample?
    private var pending: Task<Sample, Never>?
    private var relay: Task<Void, Never>?

    init(host: any HostConnection, interval: Duration) { self.host = host; self.interval = interval }

    /// Subscribes to the host's domain stops before any guest starts, so none is missed. Without
    /// events (the subscription failed) a stop is still seen by the next sample; says so.
    func begin(progress: Progress) async {
        guard relay == nil else { return }
        do {
            let stops = try await host.libvirt.domainStops()
            relay = Task { [weak self] in
                for await stop in stops { await self?.deliver(stop) }
            }
        } catch {
            progress.detail("\(host.name): no lifecycle events (\(error.asTBError().message)); crashes are seen by sampling")
        }
    }

    func end() {
        relay?.cancel()
        relay = nil
        for w in watched.values { w.stops.forEach { $0.finish() } }
        watched = [:]
    }

    /// Starts watching a domain; the stream yields its stops (and ends with `unwatch`).
    func watch(_ domain: String, since: Int, address: (ip: String, mac: String)?) -> AsyncStream<DomainStop> {
        let (stream, c) = AsyncStream.makeStream(of: DomainStop.self)
        var w = watched[domain] ?? Watch(count: 0, since: since, address: address)
        w.count += 1; w.since = since; w.address = address
        w.stops.append(c)
        watched[domain] = w
        return stream
    }

    func unwatch(_ domain: String) {
        guard var w = watched[domain] else { return }
        w.count -= 1
        if w.count > 0 { watched[domain] = w; return }
        w.stops.forEach { $0.finish() }
        watched[domain] = nil
    }

    private func deliver(_ stop: DomainStop) {
        watched[stop.domain]?.stops.forEach { $0.yield(stop) }
    }

    /// A sample no older than half the interval; concurrent callers share one.
    func sample() async -> Sample {
        if let last, last.taken.duration(to: .now) < interval / 2 { return last }
        if let pending { return await pending.value }
        let host = self.host
        let logs = watched.keys.sorted().map { (path: Names.serialLog(domain: $0), since: watched[$0]!.since) }
        let task = Task { await Self.take(host, logs) }
        pending = task
        let s = await task.value
        last = s
        pending = nil
        return s
    }

    /// What the sample shows of one guest's domain.
    func observation(of domain: String, in s: Sample) -> BootProgress.Observation {
        let d = s.domains?[domain]
        let answered = watched[domain]?.address.map { a in
            s.neighbours[a.ip].map { $0.mac == a.mac.lowercased() && $0.state == "REACHABLE" } ?? false
        }
        return .init(state: d?.state, domainKnown: s.domains == nil || d != nil, cpuSeconds: d?.cpu,
                     console: s.consoles[Names.serialLog(domain: domain)], answersARP: answered)
    }

    private static func take(_ host: any HostConnection, _ logs: [(path: String, since: Int)]) async -> Sample {
        async let stats = try? host.libvirt.allDomainStats()
        async let probe = try? BootProbe.run(logs, on: host.runner)
        let domains = await stats.map { all in
            Dictionary(all.map { s in (s.domain, (state: DomainState.from(libvirt: s.state), cpu: s.cpuTimeSeconds)) },
                       uniquingKeysWith: { a, _ in a })
        }
        let seen = await probe
        return Sample(taken: .now, domains: domains, consoles: seen?.consoles ?? [:], neighbours: seen?.neighbours ?? [:])
    }
}

extension DomainState {
    /// From virDomainState's number (DomainStats.state); unknown numbers are `nostate`.
    static func from(libvirt n: Int) -> DomainState {
        allCases.indices.contains(n) ? allCases[n] : .nostate
    }
}
