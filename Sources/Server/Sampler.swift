import Core
import Foundation
import Metrics
import TestbedState

/// Samples every host every `interval`: the states, counters and rates the page and the API
/// show, the history behind the charts, and the live stream. `/metrics` asks for a reading at
/// most one interval old, so a Prometheus scrape does not start a libvirt call of its own
/// while a fresh one exists; concurrent askers share one scrape.
public actor Sampler {
    let scraper: Scraper
    let source: any TestbedSource
    public let interval: Duration
    private var latest: Reading?
    private var inFlight: Task<Reading, any Error>?
    private(set) var history: History
    private var subscribers: [UUID: AsyncStream<LiveSample>.Continuation] = [:]
    /// Called after each round (the server freezes finished runs' charts from it).
    private var observers: [@Sendable (Reading, History) async -> Void] = []

    public init(scraper: Scraper, source: any TestbedSource, interval: Duration = .seconds(2), historySeconds: Int = 900) {
        self.scraper = scraper; self.source = source; self.interval = interval
        let step = max(1, Int(interval.components.seconds))
        history = History(capacity: max(10, historySeconds / step))
    }

    /// Samples until the task is cancelled.
    public func run() async {
        while !Task.isCancelled {
            _ = try? await sample()
            try? await Task.sleep(for: interval)
        }
        for c in subscribers.values { c.finish() }
    }

    /// The latest reading if it is younger than `maxAge` seconds, else a new one.
    func reading(maxAge: Double) async throws -> Reading {
        if let latest, Date().timeIntervalSince1970 - latest.observation.time < maxAge { return latest }
        return try await sample()
    }

    var intervalSeconds: Double { Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18 }

    /// A live stream of samples; a slow reader loses old samples, never holds memory.
    func subscribe() -> AsyncStream<LiveSample> {
        let id = UUID()
        let (stream, continuation) = AsyncStream.makeStream(of: LiveSample.self, bufferingPolicy: .bufferingNewest(4))
        subscribers[id] = continuation
        continuation.onTermination = { _ in Task { await self.unsubscribe(id) } }
        if let latest { continuation.yield(Self.live(latest)) }
        return stream
    }

    func addObserver(_ f: @escaping @Sendable (Reading, History) async -> Void) { observers.append(f) }

    private func unsubscribe(_ id: UUID) { subscribers[id] = nil }

    private func sample() async throws -> Reading {
        if let inFlight { return try await inFlight.value }
        let task = Task { try await self.scrapeOnce() }
        inFlight = task
        defer { inFlight = nil }
        let r = try await task.value
        latest = r
        history.add(r)
        let live = Self.live(r)
        for c in subscribers.values { c.yield(live) }
        for o in observers { await o(r, history) }
        return r
    }

    private func scrapeOnce() async throws -> Reading {
        let state = try source.state()
        let t0 = Date()
        let obs = await scraper.scrape(state.hosts)
        return Reading.make(state: state, observation: obs, previous: latest, scrapeSeconds: Date().timeIntervalSince(t0))
    }

    static func live(_ r: Reading) -> LiveSample {
        var guests: [String: LiveSample.Guest] = [:]
        for g in r.state.userGuests {
            let rate = r.rates[g.name]
            guests[g.name] = .init(state: r.guestState(g), cpu: rate?.cpu, rx: rate?.rx, tx: rate?.tx)
        }
        return LiveSample(t: r.observation.time, hosts: Dictionary(uniqueKeysWithValues: r.observation.hosts.map { ($0.name, $0.up) }),
                          guests: guests)
    }
}
