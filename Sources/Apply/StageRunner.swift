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

    public init(context: ApplyContext) { self.context = context }

    public func run(_ stages: [Stage]) async throws -> [Failure] {
        var failures: [Failure] = []
        var scope = FailureScope(failedHosts: context.hosts.failures.keys)
        for stage in stages {
            try Task.checkCancellation()
            let runnable = stage.actions.filter { !scope.skips($0) }
            guard !runnable.isEmpty else { continue }
            context.progress.stage("\(stage.kind.rawValue) (\(plural(runnable.count, "action")))")
            let stageFailures = stage.kind == .start ? await runStarts(runnable) : await runConcurrently(runnable)
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

    /// The start stage creates every domain paused, then resumes them all together. Creating
    /// a QEMU process costs about half a CPU-second of libvirt and QEMU work (libvirt reads
    /// ~400 vCPU properties over QMP); guests that already boot would take the CPU from the
    /// ones still being created. Starts are spread over more libvirt connections per host, or
    /// libvirtd would serve five at a time.
    private func runStarts(_ actions: [Action]) async -> [Failure] {
        await context.hosts.widen(for: actions.map(\.host), "starts", progress: context.progress)
        let executor = Executor(context: context)
        let created = await concurrentResults(actions, limit: width) { a in
            try await context.progress.task(a.summary + " (paused)") {
                try await executor.attributed(a) {
                    guard case .startDomain(let g, _) = a else { throw TBError(.internalError, "not a start: \(a.summary)") }
                    return try await executor.startPaused(context.guest(g))
                }
            }
        }
        let toResume = zip(actions, created).compactMap { a, r in (try? r.get()).flatMap { $0 }.map { (a, $0) } }
        var resumed: [Result<Void, any Error>] = []
        if !toResume.isEmpty {
            let began = ContinuousClock.now
            resumed = await concurrentResults(toResume, limit: width) { a, dom in
                try await executor.attributed(a) { try await dom.resume() }
            }
            context.progress.line("ok  resume \(plural(toResume.count, "guest")) together (\((ContinuousClock.now - began).formatted(.units(allowed: [.milliseconds]))))")
        }
        return Self.failures(actions, created) + Self.failures(toResume.map(\.0), resumed)
    }

    static func failures<R>(_ actions: [Action], _ results: [Result<R, any Error>]) -> [Failure] {
        zip(actions, results).compactMap { a, r in
            guard case .failure(let error) = r else { return nil }
            return Failure(action: a, error: error.asTBError(.internalError, "\(a.summary) failed"))
        }
    }
}
