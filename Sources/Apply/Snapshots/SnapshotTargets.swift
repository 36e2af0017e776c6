import Core
import Hosts
import TestbedState

extension Snapshots {
    /// A guest, its host connection, its domain and what it is doing now.
    struct Target: Sendable {
        let guest: TestbedState.Guest
        let host: any HostConnection
        let domain: any DomainHandle
        let state: SnapshotRecord.GuestState
    }

    /// Finds each guest's domain on its host. Every guest must exist: one error lists all that do not.
    /// The domains of a host are looked up over several connections to it (`widen(for:)`), so
    /// that ten snapshots run together, not five and five.
    func resolve(_ guests: [TestbedState.Guest], _ hosts: HostSet) async throws -> [Target] {
        await hosts.widen(for: guests.map(\.host), "guests", progress: progress)
        let found = await each(guests) { g -> Target in
            guard let host = hosts[g.host] else { throw TBError(.internalError, "host \(g.host) is not connected") }
            guard let dom = try await host.lane().domain(named: g.domain) else {
                throw TBError(.notFound, "domain \(g.domain) does not exist (run `tbctl up` first)")
            }
            return Target(guest: g, host: host, domain: dom, state: Self.guestState(try await dom.state()))
        }
        let problems = zip(guests, found).compactMap { g, r -> String? in
            guard case .failure(let e) = r else { return nil }
            return "- guest \(g.name) on host \(g.host): \(indent(e.asTBError(.libvirt).description))"
        }
        guard problems.isEmpty else { throw TBError(.notFound, "nothing was changed:\n" + problems.joined(separator: "\n")) }
        return try found.map { try $0.get() }
    }

    static func guestState(_ s: DomainState) -> SnapshotRecord.GuestState {
        switch s {
        case .running, .blocked, .shutdown: .running
        case .paused, .pmsuspended: .paused
        case .shutoff, .crashed, .nostate: .shutoff
        }
    }
}
