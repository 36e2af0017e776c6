import Apply
import Foundation
import Metrics
import Server
import TestbedState
import Workspace

/// What `metrics` and `serve` read of the project besides the hosts: the compiled state and
/// the snapshot record, read again at every scrape (so an `up`, `scale` or `snapshot` run
/// meanwhile shows at the next one).
struct WorkspaceFacts: TestbedSource {
    let workspace: Workspace

    func state() throws -> TestbedState { try TestbedState.load(from: workspace.stateFile) }

    func snapshots() throws -> [SnapshotView] {
        try SnapshotStore(workspace).load().snapshots.map { s in
            SnapshotView(name: s.name, kind: s.kind.rawValue, createdAt: s.createdAt, hosts: s.hosts,
                         guests: s.guests.map { .init(guest: $0.guest, host: $0.host, state: $0.state.rawValue) })
        }
    }

    func facts() throws -> TestbedFacts {
        let iso = ISO8601DateFormatter()
        let snaps = try SnapshotStore(workspace).load().snapshots.map {
            TestbedFacts.Snapshot(name: $0.name, kind: $0.kind.rawValue,
                                  created: iso.date(from: $0.createdAt)?.timeIntervalSince1970, guests: $0.guests.count)
        }
        return TestbedFacts(snapshots: snaps)
    }
}
