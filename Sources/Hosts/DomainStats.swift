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
public final class LiveStatsSource: StatsSource {
    private let knownHosts: String
    private let connections = Locked([String: Task<HostConnection, any Error>]())
    private let macs = InterfaceMACCache()

    public init(knownHosts: String) { self.knownHosts = knownHosts }

    public func domainStats(of host: Host) async throws -> [DomainStats] {
        let connection = try await connect(host)
        do {
            return try await connection.domainStats(macs: macs)
        } catch {
            await drop(host.name)
            throw error
        }
    }

    public func closeAll() async {
        let all = connections.withLock { c in defer { c = [:] }; return Array(c.values) }
        for t in all { await (try? await t.value)?.close() }
    }

    private func connect(_ host: Host) async throws -> HostConnection {
        let knownHosts = self.knownHosts
        let task = connections.withLock { c in
            if let t = c[host.name] { return t }
            let t = Task { try await HostConnection.connect(host, knownHosts: knownHosts) }
            c[host.name] = t
            return t
        }
        do {
            let connection = try await task.value
            if await connection.libvirt.isAlive() { return connection }
            await drop(host.name)
            return try await connect(host)
        } catch {
            connections.withLock { c in if c[host.name] == task { c[host.name] = nil } }
            throw error
        }
    }

    private func drop(_ name: String) async {
        guard let t = connections.withLock({ c in defer { c[name] = nil }; return c[name] }) else { return }
        await (try? await t.value)?.close()
    }
}
