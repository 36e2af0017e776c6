import Core
import TestbedState

/// Connections to every host of a testbed, opened concurrently. Hosts that do not answer are
/// reported in `failures` and left out; the others can still be worked on.
public struct HostSet: Sendable {
    public var connections: [String: any HostConnection]
    public var failures: [String: TBError]

    public init(connections: [String: any HostConnection] = [:], failures: [String: TBError] = [:]) {
        self.connections = connections; self.failures = failures
    }

    public static func connect(_ state: TestbedState, via connector: any HostConnector, only: Set<String>? = nil) async -> HostSet {
        await connect(state.hosts.filter { only?.contains($0.name) ?? true }, via: connector)
    }

    public static func connect(_ wanted: [Host], via connector: any HostConnector) async -> HostSet {
        let results = await concurrentResults(wanted) { h in try await connector.connect(h) }
        var set = HostSet()
        for (h, r) in zip(wanted, results) {
            switch r {
            case .success(let c): set.connections[h.name] = c
            case .failure(let e): set.failures[h.name] = unreachable(h.name, e)
            }
        }
        return set
    }

    /// A host that could not be connected to is `unreachable` (exit status 3), whatever the
    /// transport said; that error (libvirt's, SSH's, a host key mismatch) is kept underneath.
    public static func unreachable(_ host: String, _ error: any Error) -> TBError {
        let e = error.asTBError(.libvirt, "cannot reach host \(host)")
        if e.code == .cancelled || e.code == .unreachable { return e }
        var out = e.object?.hasPrefix("host \(host)") == true ? e : e.about("host \(host)")
        out.code = .unreachable
        out.underlying = e
        return out
    }

    public subscript(_ host: String) -> (any HostConnection)? { connections[host] }

    public func closeAll() async {
        for c in connections.values { await c.close() }
    }
}

extension HostSet {
    /// Runs `body` with these connections, then closes them all, whether it threw or not.
    public func closing<T>(after body: (HostSet) async throws -> T) async rethrows -> T {
        try await withCleanup({ try await body(self) }, cleanup: closeAll)
    }
}

extension GuestSession {
    /// Runs `body` on this session, then closes it, whether `body` threw or not.
    public func closing<T>(after body: (Self) async throws -> T) async rethrows -> T {
        try await withCleanup({ try await body(self) }, cleanup: close)
    }
}
