import Core
import Foundation
import Records
import RunTargets
import Runner
import Scenario
import TestbedState
import Workspace

/// Runs whose tbctl died (kill -9, a crash, a second Ctrl-C) left processes on their
/// targets. The next `tbctl run` and `tbctl runs stop ID` find them in the records, stop
/// those processes by the run's tag, and record the run `interrupted`.
enum RunCleanup {
    static func cleanLeftBehind(_ records: RecordsDirectory, state: TestbedState, workspace: Workspace, only: Int64? = nil,
                                say: @escaping @Sendable (String) -> Void) async {
        guard let store = try? RunRecords(records), let runs = try? store.leftBehind() else { return }
        for run in runs where only == nil || run.id == only {
            _ = await clean(run, store, state: state, workspace: workspace, say: say)
        }
    }

    /// Stops the run's processes on each target it used that is still in the testbed.
    static func clean(_ run: RunSummary, _ store: RunRecords, state: TestbedState, workspace: Workspace,
                      say: @escaping @Sendable (String) -> Void) async -> Bool {
        let used = ((try? store.targets(run.id)) ?? []).map { Target(kind: $0.kind == "host" ? .host : .guest, name: $0.name) }
        // A guest (or host) no longer in the testbed took its processes with it.
        let present = used.filter { $0.kind == .guest ? state.guest(named: $0.name) != nil : state.host(named: $0.name) != nil }
        let live = LiveTargets(state: state, workspace: workspace, connector: workspace.liveHosts, connectTimeout: .seconds(20))
        let tag = ProcessTags(project: run.project, run: run.id).runTag
        let failed = Locked(0)
        await withTaskGroup(of: Void.self) { group in
            for target in present {
                group.addTask {
                    let ok = await Leftovers.kill(tag, on: target, access: live, grace: .seconds(2), timeout: .seconds(30), report: say)
                    if !ok { failed.withLock { $0 += 1 } }
                }
            }
        }
        await live.closeAll()
        let ok = failed.current == 0
        let why = run.ownerDied ? "its tbctl (pid \(run.ownerPID)) ended without stopping it" : nil
        try? store.markInterrupted(run.id, reason: why ?? "interrupted", cleaned: ok)
        let where_ = present.isEmpty ? "nothing to stop" : "stopped its processes on \(present.map(\.name).joined(separator: ", "))"
        say("run \(run.id)" + (run.ownerDied ? " was interrupted (its tbctl died)" : " had processes left") + ": "
            + (ok ? where_ : "could not stop all its processes (see above); `tbctl runs stop \(run.id)` tries again"))
        return ok
    }
}
