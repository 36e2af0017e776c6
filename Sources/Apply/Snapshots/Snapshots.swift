import Core
import Foundation
import Hosts
import TestbedState
import Workspace

/// `tbctl snapshot create|restore|list|delete`: libvirt internal snapshots (disk and memory in
/// each guest's qcow2 overlay), taken on the host of each guest through its HostConnection, so
/// remote hosts work as the master does. A testbed snapshot pauses every running guest, takes
/// every snapshot, then resumes them all: the guests' clocks and network state line up.
///
/// One file per command (SnapshotCreate, SnapshotRestore, SnapshotDelete, SnapshotList); the
/// decisions that need no host are in SnapshotPlan, the record in SnapshotRecord.
public struct Snapshots: Sendable {
    public let state: TestbedState
    public let workspace: Workspace
    public let progress: Progress
    public let connector: any HostConnector
    /// Guests handled at once per phase (pause, snapshot, resume, revert).
    public var width = 64

    public init(state: TestbedState, workspace: Workspace, progress: Progress, connector: any HostConnector) {
        self.state = state; self.workspace = workspace; self.progress = progress; self.connector = connector
    }

    var store: SnapshotStore { SnapshotStore(workspace) }

    /// The recorded snapshot called `name`, or an error listing the ones there are.
    func recorded(_ name: String) throws -> SnapshotRecord.Snapshot {
        let record = try store.load()
        guard let s = record.snapshot(named: name) else {
            let names = record.snapshots.map(\.name)
            throw TBError(.notFound, "there is no snapshot \(name) in project \(state.project)"
                          + (names.isEmpty ? " (it has none)" : " (it has: \(names.joined(separator: ", ")))"))
        }
        return s
    }

    /// Connects to the hosts, runs `body`, closes the connections. Every host must answer: a
    /// snapshot that leaves out an unreachable host's guests would not be the testbed's.
    func withHosts<T: Sendable>(_ names: Set<String>, _ body: (HostSet) async throws -> T) async throws -> T {
        let hosts = await HostSet.connect(state, via: connector, only: names)
        return try await hosts.closing { hosts in
            guard hosts.failures.isEmpty else {
                throw TBError(.libvirt, "nothing was changed: \(plural(hosts.failures.count, "host")) cannot be reached:\n"
                              + hosts.failures.sorted { $0.key < $1.key }.map { "- " + indent($0.value.description) }.joined(separator: "\n"))
            }
            return try await body(hosts)
        }
    }

    /// "; running guests were paused 0.41-0.52 s": the range of the pauses, or nothing.
    static func pauseRange(_ pauses: [Double], _ format: String = "; running guests were paused %.2f-%.2f s") -> String {
        guard let lo = pauses.min(), let hi = pauses.max() else { return "" }
        return String(format: format, lo, hi)
    }
}

/// Continuation lines of a nested message, indented under its `- ` bullet.
func indent(_ s: String) -> String { s.replacingOccurrences(of: "\n", with: "\n  ") }
