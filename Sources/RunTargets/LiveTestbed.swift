import Apply
import Conditions
import Core
import Foundation
import Project
import Runner
import Scenario
import TestbedState
import Workspace

/// A scenario's testbed operations, done as `tbctl snapshot` and `tbctl scale` do them (with
/// the project lock), their progress kept in the job's log.
public struct LiveTestbed: TestbedOperations {
    public let project: Project
    public let targets: LiveTargets
    public let verbose: Bool

    public init(project: Project, targets: LiveTargets, verbose: Bool = false) {
        self.project = project; self.targets = targets; self.verbose = verbose
    }

    func snapshots(_ log: @escaping @Sendable (String) -> Void) -> Snapshots {
        Snapshots(state: targets.state, workspace: project.workspace, progress: Self.progress(verbose, log), connector: targets.connector)
    }

    public func snapshot(_ name: String, log: @escaping @Sendable (String) -> Void) async throws {
        let s = try await snapshots(log).create(name)
        log(String(format: "snapshot %@ of %d guests taken in %.1fs", s.name, s.guests.count, s.seconds))
    }

    public func restore(_ name: String, log: @escaping @Sendable (String) -> Void) async throws {
        let r = try await snapshots(log).restore(name)
        // The guests are back in the past, and so is the TCP state of the sessions to them.
        await targets.dropGuestSessions()
        log("restored \(name) (\(r.guests.count) guests)")
    }

    /// Like `tbctl scale SERVICE=N`: the count is kept in .testbed/scale.json, the state
    /// compiled again, and `up` run for it, which returns once the new clones answer over SSH.
    public func scale(_ service: String, to replicas: Int, log: @escaping @Sendable (String) -> Void) async throws {
        let compose = try project.loadCompose()
        guard let spec = compose.guests.first(where: { $0.name == service }), let composeReplicas = spec.replicas else {
            throw TBError(.invalidInput, "`\(service)` is not a service of \(project.workspace.composeFile)")
        }
        var overrides = try project.scaleOverrides()
        overrides[service] = .init(replicas: replicas, composeReplicas: composeReplicas)
        try project.workspace.ensureRoot()
        let lock = try ProjectLock(path: project.workspace.path("lock"), command: "run (scale \(service)=\(replicas))")
        defer { withExtendedLifetime(lock) {} }
        let state = try project.generate(overrides: overrides)
        try project.workspace.writeJSON(overrides, "scale.json")
        try await Provisioner(state: state, workspace: project.workspace, progress: Self.progress(verbose, log),
                              connector: targets.connector).upLocked()
        targets.update(state)
    }

    /// Like `tbctl link|impair|partition`, under the project lock; a change that could not be
    /// made fails the job (it stays recorded: `tbctl up` retries it).
    public func change(_ change: NetworkChange<String>, log: @escaping @Sendable (String) -> Void) async throws {
        try project.workspace.ensureRoot()
        let lock = try ProjectLock(path: project.workspace.path("lock"), command: "run (\(change.kind))")
        defer { withExtendedLifetime(lock) {} }
        let state = targets.state
        let resolved = try ConditionJobs.request(change).resolved(Resolver(state: state), prefix: "")
        let outcome = try await NetworkConditions(state: state, workspace: project.workspace, connector: targets.connector).perform(resolved)
        for c in outcome.changes { log(c) }
        for n in outcome.notes { log("note: " + n) }
        if outcome.changes.isEmpty && outcome.failures.isEmpty { log(resolved.unchanged) }
        guard outcome.failures.isEmpty else {
            throw TBError(.failed, "\(plural(outcome.failures.count, "change")) could not be made (recorded: `tbctl up` retries them)",
                          problems: outcome.failures)
        }
    }

    public func facts() async throws -> Facts { Facts(state: targets.state) }

    /// Apply's progress lines, each into the job's log (without its newline).
    static func progress(_ verbose: Bool, _ log: @escaping @Sendable (String) -> Void) -> Apply.Progress {
        Apply.Progress(verbose: verbose, tty: false) { text in log(text.hasSuffix("\n") ? String(text.dropLast()) : text) }
    }
}
