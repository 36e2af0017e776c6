import Core
import Foundation
import Plan

/// A failed action, with the error that names its guest, host and cause.
public struct Failure: Sendable {
    public var action: Action
    public var error: TBError
}

/// Runs the stages in order and the actions of a stage concurrently. A failure does not stop
/// the other actions: it marks its guest (or, for host-wide actions, its host) as failed, and
/// later actions on a failed guest or host are skipped. Everything that succeeded stays done,
/// so the next `up` only has the failed part left.
public struct StageRunner: Sendable {
    public let context: ApplyContext
    /// At most this many actions in flight per stage (libvirt and sshd both have connection limits).
    public var width = 24

    public init(context: ApplyContext) { self.context = context }

    public func run(_ stages: [Stage]) async throws -> [Failure] {
        var failures: [Failure] = []
        var failedHosts = Set(context.hosts.failures.keys)
        var failedGuests = Set<String>()
        for stage in stages {
            try Task.checkCancellation()
            let runnable = stage.actions.filter { a in
                !failedHosts.contains(a.host) && !(a.guest.map(failedGuests.contains) ?? false)
            }
            guard !runnable.isEmpty else { continue }
            context.progress.stage("\(stage.kind.rawValue) (\(runnable.count) action\(runnable.count == 1 ? "" : "s"))")
            let stageFailures = await runConcurrently(runnable)
            try Task.checkCancellation()
            for f in stageFailures {
                failures.append(f)
                if let g = f.action.guest { failedGuests.insert(g) } else { failedHosts.insert(f.action.host) }
                if case .buildGolden(let s, _) = f.action { failedGuests.formUnion(context.state.service(named: s)?.clones ?? []) }
                if case .copyGolden(let s, _, let to) = f.action {
                    failedGuests.formUnion(context.state.guests.filter { $0.role.service == s && $0.host == to }.map(\.name))
                }
            }
        }
        return failures
    }

    private func runConcurrently(_ actions: [Action]) async -> [Failure] {
        let results = await concurrentResults(actions, limit: width) { a in
            try await context.progress.task(a.summary) { try await Executor(context: context).execute(a) }
        }
        return zip(actions, results).compactMap { a, r in
            guard case .failure(let error) = r else { return nil }
            return Failure(action: a, error: error.asTBError(.internalError, "\(a.summary) failed"))
        }
    }
}
