import Core
import Foundation
import TestbedState

/// Where domain statistics come from: libvirt's bulk call on each host (Hosts' LiveStatsSource),
/// or canned values in tests.
public protocol StatsSource: Sendable {
    /// Every domain of the host with its statistics. Throws when the host does not answer.
    func domainStats(of host: TestbedState.Host) async throws -> [DomainStats]
}

/// Scrapes every host of a testbed at once; a host that fails or takes longer than `timeout`
/// is reported down with the reason, the others are not held up by it.
public struct Scraper: Sendable {
    public let source: any StatsSource
    public let timeout: Duration

    public init(source: any StatsSource, timeout: Duration = .seconds(10)) {
        self.source = source; self.timeout = timeout
    }

    public func scrape(_ hosts: [TestbedState.Host]) async -> Observation {
        let start = Date()
        let table = Locked([String: Observation.Host]())
        await withTaskGroup(of: Void.self) { group in
            for h in hosts {
                group.addTask {
                    let r = await one(h)
                    table.withLock { $0[h.name] = r }
                }
            }
        }
        let done = table.current
        return Observation(time: start.timeIntervalSince1970, hosts: hosts.compactMap { done[$0.name] })
    }

    private func one(_ host: TestbedState.Host) async -> Observation.Host {
        let t0 = ContinuousClock.now
        let seconds = { let d = ContinuousClock.now - t0; return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
        do {
            let domains = try await withTimeout(timeout, what: "statistics of host \(host.name)") {
                try await source.domainStats(of: host)
            }
            return .init(name: host.name, domains: domains, seconds: seconds())
        } catch {
            let e = error.asTBError(.libvirt, "host \(host.name) did not answer")
            return .init(name: host.name, domains: nil, error: e.description, seconds: seconds())
        }
    }
}

/// Runs `body`, giving up after `limit`. A libvirt call blocks a thread and does not notice
/// cancellation, so this does not wait for the body: the caller gets the timeout at once and the
/// call in flight finishes on its own thread, its result dropped.
func withTimeout<T: Sendable>(_ limit: Duration, what: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    let pending = Locked<CheckedContinuation<T, any Error>?>(nil)
    let finish = { @Sendable (r: Result<T, any Error>) in pending.withLock { c in c?.resume(with: r); c = nil } }
    return try await withCheckedThrowingContinuation { cont in
        pending.withLock { $0 = cont }
        let timer = Task {
            try await Task.sleep(for: limit)
            finish(.failure(TBError(.timeout, "\(what): no answer within \(limit)")))
        }
        Task {
            do { finish(.success(try await body())) } catch { finish(.failure(error)) }
            timer.cancel()
        }
    }
}
