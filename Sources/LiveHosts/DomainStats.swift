import Core
import Hosts
import Libvirt
import Metrics
import TestbedState

extension LiveHypervisor {
    /// One bulk call (groups state, cpu-total, balloon, vcpu, interface, block; NOWAIT). NICs
    /// get their MAC from the domain's live XML, read once per domain start (`macs` caches it
    /// by domain id), so each NIC's counters can be labelled with the testbed network it is on.
    func allDomainStats() async throws -> [DomainStats] {
        let records = try await connection.allDomainStats(.monitoring, nowait: true)
        let macs = self.macs
        return try await concurrentMap(records) { r in
            var stats = DomainStats(domain: r.name, numbers: r.numbers, strings: r.strings)
            if let id = r.id, !stats.nics.isEmpty {
                let map = try await macs.macs(of: r.domain, id: id)
                for i in stats.nics.indices { stats.nics[i].mac = map[stats.nics[i].device] }
            }
            return stats
        }
    }
}

/// Host device (tap) -> guest MAC of a host's running domains. A domain's taps change only
/// when it starts again, and then its id changes too: so the XML is read once per domain and id.
final class InterfaceMACCache: Sendable {
    private let table = Locked([String: (id: Int, macs: [String: String])]())

    func macs(of domain: Domain, id: Int) async throws -> [String: String] {
        if let known = table.withLock({ $0[domain.name] }), known.id == id { return known.macs }
        let map = Self.parse(try await domain.xml())
        table.withLock { $0[domain.name] = (id, map) }
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
