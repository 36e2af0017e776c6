import Core
import Foundation
import Plan

/// A failed action, with the error that names its guest, host and cause.
public struct Failure: Sendable {
    public var action: Action
    public var error: TBError
}

/// Runs the stages in order and the actions of a stage concurrently. A failure does not stop
/// the other actions: later actions that depend on it are skipped (`FailureScope`).
/// Everything that succeeded stays done, so the next `up` only has the failed part left.
public struct StageRunner: Sendable {
    public let context: ApplyContext
    /// At most this many actions in flight per stage (libvirt and sshd both have connection limits).
    public var width = 24
    /// Where each stage's outcome is recorded for `--format json`, when asked for.
    public var report: ApplyReport?

    public init(context: ApplyContext, report: ApplyReport? = nil) { self.context = context; self.report = report }

    public func run(_ stages: [Stage]) async throws -> [Failure] {
        var failures: [Failure] = []
        var scope = FailureScope(failedHosts: context.hosts.failures.keys)
        for stage in stages {
            try Task.checkCancellation()
            let runnable = stage.actions.filter { !scope.skips($0) }
            let skipped = stage.actions.filter { scope.skips($0) }
            guard !runnable.isEmpty else {
                report?.stage(stage.kind, ran: [], skipped: skipped, failures: [], seconds: 0)
                continue
            }
            context.progress.stage("\(stage.kind.rawValue) (\(plural(runnable.count, "action")))")
            let began = ContinuousClock.now
            let stageFailures = stage.kind == .start ? await runStarts(runnable) : await runConcurrently(runnable)
            report?.stage(stage.kind, ran: runnable, skipped: skipped, failures: stageFailures, seconds: (ContinuousClock.now - began).asSeconds)
            try Task.checkCancellation()
            for f in stageFailures {
                failures.append(f)
                scope.record(f.action, in: context.state)
            }
        }
        return failures
    }

    private func runConcurrently(_ actions: [Action]) async -> [Failure] {
        let results = await concurrentResults(actions, limit: width) { a in
            try await context.progress.task(a.summary) { try await Executor(context: context).execute(a) }
        }
        return Self.failures(actions, results)
    }

    /// The start stage: guests admitted per host at the rate the host boots them, each waited
    /// for by its progress (`Boots`, docs/scale.md).
    private func runStarts(_ actions: [Action]) async -> [Failure] {
        await Boots(context: context, policy: context.bootPolicy).run(actions)
    }

    static func failures<R>(_ actions: [Action], _ results: [Result<R, any Error>]) -> [Failure] {
        zip(actions, results).compactMap { a, r in
            guard case .failure(let error) = r else { return nil }
            return Failure(action: a, error: error.asTBError(.internalError, "\(a.summary) failed"))
        }
    }
}
