import Core
import Libvirt
import Metrics
import TestbedState

extension HostConnection {
    /// Every domain of the host with its statistics, from one bulk call (with the flag that
    /// does not wait on a busy domain). NICs carry their MAC, read from the live XML of each
    /// running domain once per start (`interfaceMACs` caches it by domain id), so each NIC's
    /// counters are labelled with the testbed network it is on.
    public func domainStats(macs: InterfaceMACCache) async throws -> [DomainStats] {
        let records = try await libvirt.allDomainStats(.monitoring, nowait: true)
        return try await concurrentMap(records) { r in
            var stats = DomainStats(domain: r.name, numbers: r.numbers, strings: r.strings)
            if let id = r.id, !stats.nics.isEmpty {
                let map = try await macs.macs(host: self.name, domain: r.domain, id: id)
                for i in stats.nics.indices { stats.nics[i].mac = map[stats.nics[i].device] }
            }
            return stats
        }
    }
}

/// Host device (tap) -> guest MAC of running domains. A domain's taps change only when it
/// starts again, and then its id changes too: so the XML is read once per host, domain and id.
public final class InterfaceMACCache: Sendable {
    private let table = Locked([String: [String: String]]())

    public init() {}

    func macs(host: String, domain: Domain, id: Int) async throws -> [String: String] {
        let key = "\(host)/\(domain.name)/\(id)"
        if let known = table.withLock({ $0[key] }) { return known }
        let map = Self.parse(try await domain.xml())
        table.withLock { t in
            t = t.filter { !$0.key.hasPrefix("\(host)/\(domain.name)/") }
            t[key] = map
        }
        return map
    }

    /// `<interface …><mac address='…'/>…<target dev='vnet3'/>…</interface>` -> ["vnet3": mac].
    static func parse(_ xml: String) -> [String: String] {
        var out: [String: String] = [:]
        for chunk in xml.components(separatedBy: "<interface ").dropFirst() {
            let body = chunk.components(separatedBy: "</interface>")[0]
            guard let macLine = body.range(of: "<mac ").map({ String(body[$0.lowerBound...].prefix { $0 != ">" }) }),
                  let targetLine = body.range(of: "<target ").map({ String(body[$0.lowerBound...].prefix { $0 != ">" }) }),
                  let mac = DomainMetadata.attribute("address", in: macLine),
                  let dev = DomainMetadata.attribute("dev", in: targetLine) else { continue }
            out[dev] = mac
        }
        return out
    }
}

/// Domain statistics of the testbed's hosts over connections kept open between scrapes (a
/// new SSH + libvirt connection to a remote host costs most of a second). A connection that
/// failed or died is dropped and opened again at the next scrape.
///
/// A call that timed out goes on in its thread (libvirt calls are not cancellable), and a
/// libvirt connection must not be closed while a call on it is in flight: so a dropped
/// connection is closed only once its last call returned, and `closeAll` leaves a connection
/// with a call still hanging to the end of the process.
public final class LiveStatsSource: StatsSource {
    private final class Held: Sendable {
        let task: Task<HostConnection, any Error>
        /// Calls in flight, and whether the connection is no longer handed out.
        let use = Locked((calls: 0, retired: false))
        init(_ task: Task<HostConnection, any Error>) { self.task = task }
    }

    private let knownHosts: String
    private let connections = Locked([String: Held]())
    private let macs = InterfaceMACCache()

    public init(knownHosts: String) { self.knownHosts = knownHosts }

    public func domainStats(of host: Host) async throws -> [DomainStats] {
        let held = try await acquire(host)
        defer { Task { await self.release(held) } }
        let connection = try await held.task.value
        do {
            return try await connection.domainStats(macs: macs)
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

    /// The host's connection, opened if needed (a dead one is retired and replaced), with a
    /// call counted on it.
    private func acquire(_ host: Host) async throws -> Held {
        let knownHosts = self.knownHosts
        let held = connections.withLock { c in
            if let h = c[host.name] { h.use.withLock { $0.calls += 1 }; return h }
            let h = Held(Task { try await HostConnection.connect(host, knownHosts: knownHosts) })
            h.use.withLock { $0.calls += 1 }
            c[host.name] = h
            return h
        }
        do {
            let connection = try await held.task.value
            if await connection.libvirt.isAlive() { return held }
        } catch {
            retire(host.name, held)
            await release(held)
            throw error
        }
        retire(host.name, held)
        await release(held)
        return try await acquire(host)
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
