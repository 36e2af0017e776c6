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

    /// Prints the changes (or that there were none) and the notes; exits 1 listing failures.
    func report(_ outcome: NetworkConditions.Outcome, unchanged: String) throws {
        withExtendedLifetime(lock) {}
        for c in outcome.changes { print(c) }
        for n in outcome.notes { print("note: " + n) }
        if outcome.changes.isEmpty && outcome.failures.isEmpty { print(unchanged) }
        guard !outcome.failures.isEmpty else { return }
        let n = outcome.failures.count
        stderr("error: \(n) change\(n == 1 ? "" : "s") could not be made (recorded: `tbctl up` retries them):\n"
               + outcome.failures.map { "- " + $0.description }.joined(separator: "\n"))
        throw ExitCode(1)
    }
}
