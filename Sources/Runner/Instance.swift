import Core
import Foundation
import Records
import Scenario

/// One job on one target for one item: rendered when it starts (with the vars as they are
/// then), recorded, run, and its end recorded, its registered value written back.
struct Instance: Sendable {
    let ctx: RunContext
    let stage: Stage
    let job: Job
    /// nil for a testbed operation.
    let target: Target?
    let itemIndex: Int?
    let item: Item?

    /// What ended the job; `failed` carries the exit status and/or why.
    enum Outcome: Sendable {
        case passed
        case failed(status: Int32?, why: String)
        case cancelled
        /// A background job that is now running (its end is recorded when it ends).
        case started
    }

    var targetName: String { target?.name ?? "" }

    /// Runs the job; returns how it ended for the stage's rules (`ignored` for a failure
    /// with ignore_errors).
    func run() async -> JobStatus {
        let vars = ctx.vars.snapshot
        var render = ctx.renderContext(stage, target: target, vars: vars)
        var itemText: String?
        var renderError: TBError?
        if let item {
            do { render.item = try Render.item(item, render) } catch { renderError = error.asTBError() }
            itemText = (render.item ?? Render.lenientItem(item, render)).description
        }
        let detail = Detail.of(job, render)
        let id = ctx.record.jobStarted(NewJob(
            stageIndex: stage.index, stage: stage.name, jobIndex: job.index, name: job.name, kind: job.action.kind,
            target: targetName, targetKind: target?.kind.rawValue ?? "testbed", itemIndex: itemIndex, item: itemText,
            detail: detail, background: job.action.isBackground))
        let sink = OutputSink(jobID: id, target: target?.name ?? "testbed", job: job, ctx: ctx, capture: job.register != nil,
                              log: job.action.isBackground ? LogWatch() : nil)
        let outcome: Outcome
        if let renderError {
            outcome = .failed(status: nil, why: renderError.message)
        } else {
            outcome = await perform(render, id: id, sink: sink)
        }
        sink.finish()
        return finish(outcome, id: id, item: itemText, sink: sink)
    }

    private func perform(_ render: RenderContext, id: Int64, sink: OutputSink) async -> Outcome {
        do {
            switch job.action {
            case .run(let command, let background):
                let line = try Render.render(command, render)
                return background ? try await startBackground(line, id: id, sink: sink) : try await runForeground(line, id: id, sink: sink)
            case .copy(let src, let dest, let mode):
                return try await Copy(instance: self, id: id, sink: sink).run(try Render.render(src, render), to: try Render.render(dest, render), mode: mode)
            case .wait(let w):
                return try await Waiting(instance: self, id: id, sink: sink).run(w, render)
            case .sleep(let d):
                try await Task.sleep(for: d)
                return .passed
            case .testbed(let op):
                return try await TestbedJob(ctx: ctx, sink: sink).run(op, render)
            }
        } catch is CancellationError {
            return .cancelled
        } catch {
            if Task.isCancelled { return .cancelled }
            return .failed(status: nil, why: TBError.describe(error))
        }
    }

    /// Records the end, writes back `register`, tells the screen.
    private func finish(_ outcome: Outcome, id: Int64, item: String?, sink: OutputSink) -> JobStatus {
        let status: JobStatus
        var exit: Int32?
        var why: String?
        switch outcome {
        case .started: return .passed
        case .passed:
            status = .passed
            exit = job.action.kind == "run" ? 0 : nil
            if let r = job.register {
                ctx.vars.set(r.value, sink.registered)
                ctx.record.variable(r.value, sink.registered, jobID: id)
            }
        case .failed(let s, let w):
            status = job.ignoreErrors ? .ignored : .failed
            exit = s
            why = w
        case .cancelled:
            status = .cancelled
        }
        ctx.record.jobEnded(id, status: status, exitStatus: exit, error: why)
        ctx.events.jobEnded(target: sink.target, job: job.name, item: item, status: status, message: why)
        return status
    }

    // MARK: run

    private func runForeground(_ command: String, id: Int64, sink: OutputSink) async throws -> Outcome {
        guard let target else { throw TBError(.internalError, "a run job without a target") }
        let session = try await ctx.session(target)
        let line = ctx.access.prepare(ctx.tags.wrap(command, job: id), for: target)
        guard let limit = job.timeout else {
            return Self.outcome(try await session.exec(line, output: sink.write))
        }
        guard let status = try await withTimeout(limit, { try await session.exec(line, output: sink.write) }) else {
            // The channel is closed; the command may still run: stop what it started.
            _ = try? await session.exec(ProcessTags.killCommand(ctx.tags.jobTag(id), grace: ctx.options.killGrace)) { _, _ in }
            return .failed(status: nil, why: "timed out after \(Durations.format(limit)); its processes were stopped")
        }
        return Self.outcome(status)
    }

    static func outcome(_ status: Int32) -> Outcome {
        status == 0 ? .passed : .failed(status: status, why: "exited with status \(status)")
    }

    /// Starts the command and returns: its output is recorded while it runs, and it is
    /// stopped when the run ends. A background job that exits non-zero on its own fails the
    /// run (no later stage starts).
    private func startBackground(_ command: String, id: Int64, sink: OutputSink) async throws -> Outcome {
        guard let target, let log = sink.log else { throw TBError(.internalError, "a background job without a target") }
        let session = try await ctx.session(target)
        let line = ctx.access.prepare(ctx.tags.wrap(command, job: id), for: target)
        let (ctx, job) = (self.ctx, self.job)
        // Not a child task: Ctrl-C cancels the run's tasks, but a background job keeps its
        // channel (and its output) until the run has stopped its processes.
        let task = Task {
            let result: Result<Int32, any Error>
            do { result = .success(try await session.exec(line, output: sink.write)) } catch { result = .failure(error) }
            sink.finish()
            log.end()
            Self.backgroundEnded(result, ctx: ctx, job: job, target: target, id: id, sink: sink)
        }
        ctx.background.add(.init(target: target, name: job.name, log: log, task: task))
        ctx.events.line("\(target.name) \(job.name): started in the background")
        return .started
    }

    private static func backgroundEnded(_ result: Result<Int32, any Error>, ctx: RunContext, job: Job, target: Target,
                                        id: Int64, sink: OutputSink) {
        let stopped = ctx.stopping.current || sink.log.map(ctx.background.isReleased) == true
        var status: JobStatus
        var exit: Int32?
        var why: String?
        switch result {
        case .success(let s):
            exit = s
            status = stopped ? .stopped : (s == 0 ? .passed : .failed)
            if status == .failed { why = "exited with status \(s) while the run went on" }
        case .failure(let e):
            status = stopped ? .stopped : .failed
            if !stopped { why = TBError.describe(e) }
        }
        if status == .failed && job.ignoreErrors { status = .ignored }
        if status == .failed { ctx.background.failures.withLock { $0.append("\(job.name) on \(target.name): \(why ?? "failed")") } }
        ctx.record.jobEnded(id, status: status, exitStatus: exit, error: why)
        ctx.events.jobEnded(target: target.name, job: job.name, item: nil, status: status, message: why)
    }
}

/// Runs `body`, or gives up after `limit` (nil), cancelling it.
func withTimeout<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T? {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask { try await Task.sleep(for: limit); return nil }
        defer { group.cancelAll() }
        return try await group.next() ?? nil
    }
}
