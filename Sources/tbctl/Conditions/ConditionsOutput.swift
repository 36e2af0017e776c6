import Apply
import ArgumentParser
import Conditions
import Core
import Foundation
import Project
import TestbedState

/// What the condition commands share: the compiled state under the project lock, resolution
/// of names before anything changes (a bad name exits 2), and the report of what was done.
struct ConditionsCommand {
    let project: Project
    let state: TestbedState
    let lock: ProjectLock?

    init(_ options: ProjectOptions, command: String) throws {
        project = Project(composeFile: options.file)
        lock = try project.lock(for: command)
        state = try TestbedState.load(from: project.workspace.stateFile)
    }

    var conditions: NetworkConditions {
        NetworkConditions(state: state, workspace: project.workspace, connector: project.workspace.liveHosts)
    }
    var resolver: Resolver { Resolver(state: state) }

    /// Resolves the request (a bad name or value exits 2 before anything changes), makes the
    /// change under Ctrl-C, and reports it.
    func perform(_ request: ConditionRequest, _ output: OutputOptions) async throws {
        let resolved = try usage { try request.resolved(resolver) }
        let conditions = self.conditions
        let outcome = try await withInterrupt { try await conditions.perform(resolved) }
        try report(outcome, unchanged: resolved.unchanged, output)
    }

    /// `tbctl link|impair|partition --format json` (docs/cli.md).
    struct Document: Encodable {
        var ok: Bool
        /// What was changed, as text for people (empty: it already was so).
        var changes: [String]
        var notes: [String]
        /// Changes that could not be made (recorded: `tbctl up` retries them).
        var failures: [TBError]
    }

    /// Prints the changes (or that there were none) and the notes; fails listing the changes
    /// that could not be made (exit 1).
    func report(_ outcome: NetworkConditions.Outcome, unchanged: String, _ output: OutputOptions) throws {
        withExtendedLifetime(lock) {}
        try output.emit(Document(ok: outcome.failures.isEmpty, changes: outcome.changes, notes: outcome.notes, failures: outcome.failures)) {
            for c in outcome.changes { print(c) }
            for n in outcome.notes { print("note: " + n) }
            if outcome.changes.isEmpty && outcome.failures.isEmpty { print(unchanged) }
        }
        guard !outcome.failures.isEmpty else { return }
        throw TBError(.failed, "\(plural(outcome.failures.count, "change")) could not be made (recorded: `tbctl up` retries them)",
                      problems: outcome.failures)
    }
}
