import Core
import Hosts
import Libvirt

/// libvirtd serves at most 5 calls of one client connection at a time (its default
/// `max_client_requests`; the rest wait in line), and in practice fewer: ten paused domain
/// starts took 4.3 s over two connections and 3.3 s over five or ten (bench/up-bench.sh, 2
/// cores). Work that puts many calls on one host at once (starting domains, snapshotting
/// guests) spreads them over one connection per two calls.
struct Lanes {
    static let callsPerConnection = 2
    var extra: [LibvirtConnection] = []
    var next = 0
}

extension LiveHost {
    /// Opens one more connection for every 2 calls beyond the first 2. The extra connections
    /// use the host's libvirt URI after this connection has checked the host key; one that
    /// cannot be opened is simply not used (the calls then wait in line).
    @discardableResult
    public func widen(for calls: Int) async -> Int {
        let wanted = (calls + Lanes.callsPerConnection - 1) / Lanes.callsPerConnection - 1
        let missing = wanted - lanes.withLock { $0.extra.count }
        if missing > 0 {
            let uri = spec.libvirtURI
            let opened = await concurrentResults(Array(0..<missing)) { _ in try await LibvirtConnection.open(uri) }
            let added = opened.compactMap { try? $0.get() }
            lanes.withLock { $0.extra += added }
        }
        return lanes.withLock { $0.extra.count } + 1
    }

    public func lane() -> any Hypervisor {
        let connection = lanes.withLock { l in
            defer { l.next += 1 }
            let i = l.next % (l.extra.count + 1)
            return i == 0 ? self.connection : l.extra[i - 1]
        }
        return LiveHypervisor(connection)
    }
}
