import Core
import Hosts
import TestbedState

extension Snapshots {
    /// Deletes snapshot `name` from every guest that has it (or from those in `only`). Guests
    /// whose domain or snapshot is already gone are just forgotten.
    public func delete(_ name: String, guests only: [String] = []) async throws {
        let lock = try ProjectLock(path: workspace.path("lock"), command: "snapshot delete \(name)")
        defer { withExtendedLifetime(lock) {} }
        let snapshot = try recorded(name)
        let entries = try SnapshotPlan.entries(of: snapshot, only: only)
        // A guest gone from the testbed (or moved) took its disk and its snapshot along.
        let live = entries.filter { e in state.guest(named: e.guest).map { $0.host == e.host && $0.domain == e.domain } ?? false }
        var forget = Set(entries.map(\.guest)).subtracting(live.map(\.guest))
        progress.stage("delete snapshot \(name) from \(plural(entries.count, "guest"))")
        var problems: [String] = []
        if !live.isEmpty {
            let results = try await withHosts(Set(live.map(\.host))) { hosts in
                await phase("delete \(name) from \(plural(live.count, "guest"))", Array(live.indices)) { i in
                    let e = live[i]
                    guard let host = hosts[e.host] else { throw TBError(.internalError, "host \(e.host) is not connected") }
                    guard let dom = try await host.libvirt.domain(named: e.domain),
                          let s = try await dom.snapshot(named: name) else { return }
                    try await s.delete(metadataOnly: false)
                }
            }
            for (e, r) in zip(live, results) {
                if case .failure(let err) = r {
                    problems.append("- guest \(e.guest) on host \(e.host): \(indent(err.asTBError(.libvirt).description))")
                } else {
                    forget.insert(e.guest)
                }
            }
        }
        try store.update { r in r.set(name, r.snapshot(named: name)?.removing(forget)) }
        guard problems.isEmpty else {
            throw TBError(.libvirt, "snapshot \(name) could not be deleted from \(plural(problems.count, "guest")) (it stays listed for them):\n" + problems.joined(separator: "\n"))
        }
        let rest = try store.load().snapshot(named: name)
        progress.line("snapshot \(name) deleted from \(plural(forget.count, "guest"))\(rest.map { "; \($0.guests.count) keep it" } ?? "")")
    }
}
