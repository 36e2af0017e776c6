import Core
import Metrics
import TestbedState

/// Domain statistics of the testbed's hosts over connections kept open between scrapes (a
/// new SSH + libvirt connection to a remote host costs most of a second). A connection whose
/// call failed is dropped and opened again at the next scrape.
///
/// A call that timed out goes on in its thread (libvirt calls are not cancellable), and a
/// libvirt connection must not be closed while a call on it is in flight: so a dropped
/// connection is closed only once its last call returned, and `closeAll` leaves a connection
/// with a call still hanging to the end of the process.
public final class HostStatsSource: StatsSource {
    private final class Held: Sendable {
        let task: Task<any HostConnection, any Error>
        /// Calls in flight, and whether the connection is no longer handed out.
        let use = Locked((calls: 0, retired: false))
        init(_ task: Task<any HostConnection, any Error>) { self.task = task }
    }

    private let connector: any HostConnector
    private let connections = Locked([String: Held]())

    public init(connector: any HostConnector) { self.connector = connector }

    public func domainStats(of host: Host) async throws -> [DomainStats] {
        let held = acquire(host)
        defer { Task { await self.release(held) } }
        do {
            return try await held.task.value.libvirt.allDomainStats()
        } catch {
            retire(host.name, held)
            throw error
        }
    }

    /// Closes every connection that has no call in flight; the others are retired (closed when
    /// their call returns, or left to the process's end).
    public func closeAll() async {
        let all = connections.withLock { c in defer { c = [:] }; return Array(c.values) }
        for held in all {
            let idle = held.use.withLock { u in u.retired = true; return u.calls == 0 }
            if idle { await (try? await held.task.value)?.close() }
        }
    }

    /// The host's connection (opened on first use), with a call counted on it.
    private func acquire(_ host: Host) -> Held {
        let connector = self.connector
        return connections.withLock { c in
            let h = c[host.name] ?? Held(Task { try await connector.connect(host) })
            c[host.name] = h
            h.use.withLock { $0.calls += 1 }
            return h
        }
    }

    private func retire(_ name: String, _ held: Held) {
        connections.withLock { c in if c[name] === held { c[name] = nil } }
        held.use.withLock { $0.retired = true }
    }

    /// Ends a call; the last call on a retired connection closes it.
    private func release(_ held: Held) async {
        let close = held.use.withLock { u in u.calls -= 1; return u.retired && u.calls == 0 }
        if close { await (try? await held.task.value)?.close() }
    }
}
