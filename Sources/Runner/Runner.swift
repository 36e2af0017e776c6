import Core
import Foundation
import Records
import Scenario

/// How a run ended.
public struct RunOutcome: Sendable {
    public var status: RunStatus
    /// 0 passed, 1 a job (or the run) failed, 130 interrupted.
    public var exitCode: Int32
    public var error: String?
    public var vars: [String: String]
    /// No process of the run is left on any target.
    public var cleaned: Bool
}

/// Runs a plan: stages in order, then stops every process the run started on every target
/// it touched (background jobs, and whatever an interrupted job left), whatever ended the run:
/// success, a failure, or the task being cancelled (Ctrl-C, `tbctl runs stop`).
public struct Runner: Sendable {
    let ctx: RunContext

    public init(plan: RunPlan, facts: Facts, access: any TargetAccess, testbed: any TestbedOperations,
                record: any RunRecorder, events: any RunEvents, options: RunnerOptions = RunnerOptions()) {
        ctx = RunContext(plan: plan, facts: facts, access: access, testbed: testbed, record: record, events: events, options: options)
    }

    public func run() async -> RunOutcome {
        var status = RunStatus.passed
        var error: String?
        let count = ctx.plan.current.stages.count
        say("run \(ctx.runID): \(ctx.plan.current.scenario.file), \(count) stage\(count == 1 ? "" : "s")")
        for i in 0..<count {
            if Task.isCancelled { status = .interrupted; break }
            if let failed = backgroundFailure() { status = .failed; error = failed; break }
            let planned = ctx.plan.current.stages[i]
            let result = await runStage(planned)
            if result.status == .interrupted || (Task.isCancelled && result.status != .failed) { status = .interrupted; break }
            if result.status == .failed {
                status = .failed
                error = "stage \(planned.stage.name) failed: " + summary(result)
                break
            }
            if planned.isTestbedStage, let problem = reselect(after: i) { status = .failed; error = problem; break }
        }
        if status == .interrupted { error = error ?? "interrupted before it ended" }
        // Stopping must not be cut short by the cancellation that may have ended the stages.
        let ctx = self.ctx
        let cleaned = await Task { await Self.stop(ctx) }.value
        if status == .passed, let failed = backgroundFailure() { status = .failed; error = failed }
        let code: Int32 = status == .passed ? 0 : (status == .interrupted ? 130 : 1)
        say("run \(ctx.runID) \(status.rawValue)" + (status == .failed ? error.map { ": \($0)" } ?? "" : "") + (cleaned ? "" : " (some processes could not be stopped)"))
        return RunOutcome(status: status, exitCode: code, error: error, vars: ctx.vars.snapshot, cleaned: cleaned)
    }

    private func runStage(_ planned: PlannedStage) async -> StageRun.Result {
        let stage = planned.stage
        let what = planned.isTestbedStage ? "the testbed" : planned.targets.map(\.name).joined(separator: ", ")
        ctx.record.stageStarted(stage.index, name: stage.name, targets: planned.targets.count)
        ctx.record.event("stage \(stage.index + 1) \(stage.name): \(what)")
        ctx.events.stageStarted(planned)
        let result = await StageRun(ctx: ctx, planned: planned).run()
        ctx.record.stageEnded(stage.index, status: result.status)
        ctx.record.event("stage \(stage.index + 1) \(stage.name) \(result.status.rawValue)"
                         + (result.failures.isEmpty ? "" : ": " + result.failures.joined(separator: "; ")))
        ctx.events.stageEnded(stage.index, result.status, result.counts)
        return result
    }

    private func summary(_ r: StageRun.Result) -> String {
        let shown = r.failures.prefix(5).joined(separator: "; ")
        return "\(r.counts.failed) of \(r.counts.total) failed (\(shown)\(r.failures.count > 5 ? "; …" : ""))"
    }

    /// After a testbed stage (a scale, say), the later stages select against the testbed as it is.
    private func reselect(after index: Int) -> String? {
        do {
            let plan = try Expansion.reselect(ctx.plan.current, from: index + 1, facts: ctx.facts.current)
            ctx.plan.withLock { $0 = plan }
            return nil
        } catch {
            return "after stage \(index + 1) the later stages no longer fit the testbed:\n" + TBError.describe(error)
        }
    }

    private func backgroundFailure() -> String? {
        let failures = ctx.background.failures.current
        return failures.isEmpty ? nil : "a background job failed: " + failures.joined(separator: "; ")
    }

    private func say(_ line: String) {
        ctx.record.event(line)
        ctx.events.line(line)
    }

    /// Kills every process of the run on every target it touched, lets the background jobs
    /// end (recorded `stopped`), closes the sessions. True when nothing was left behind.
    static func stop(_ ctx: RunContext) async -> Bool {
        ctx.stopping.withLock { $0 = true }
        // A guest a scale removed took its processes with it.
        let facts = ctx.facts.current
        let targets = ctx.touched.current.filter { $0.kind == .host || facts.guest($0.name) != nil }
        let stopped = Locked(true)
        await withTaskGroup(of: Void.self) { group in
            for target in targets {
                group.addTask {
                    let ok = await Leftovers.kill(ctx.tags.runTag, on: target, access: ctx.access, grace: ctx.options.killGrace,
                                                  timeout: ctx.options.cleanupTimeout, report: { ctx.events.line($0); ctx.record.event($0) })
                    if !ok { stopped.withLock { $0 = false } }
                }
            }
        }
        // Their processes are gone, so their channels end; a broken session may not say so.
        for entry in ctx.background.all {
            let task = entry.task
            let done = try? await withTimeout(ctx.options.cleanupTimeout) { await task.value; return true }
            if done == nil { task.cancel() }
        }
        await ctx.access.closeAll()
        ctx.archives.remove()
        return stopped.current
    }
}

/// Stopping what a run left on its targets: at its own end, and for a run whose tbctl was
/// killed, by the next `tbctl run` or `tbctl runs stop`.
public enum Leftovers {
    /// Kills the processes carrying `tag` on one target; false (and a line through `report`)
    /// when the target cannot be reached or something survived.
    public static func kill(_ tag: String, on target: Target, access: any TargetAccess, grace: Duration,
                            timeout: Duration, report: @escaping @Sendable (String) -> Void) async -> Bool {
        do {
            let status = try await withTimeout(timeout) {
                let session = try await access.session(for: target)
                let err = Locked([UInt8]())
                let s = try await session.exec(ProcessTags.killCommand(tag, grace: grace)) { stream, bytes in
                    if stream == .stderr { err.withLock { $0 += bytes } }
                }
                if s != 0 { report("\(target): cannot stop the run's processes: " + String(decoding: err.current, as: UTF8.self)) }
                return s
            }
            if status == nil { report("\(target): stopping the run's processes took over \(Durations.format(timeout))") }
            return status == 0
        } catch {
            report("\(target): cannot stop the run's processes: \(TBError.describe(error))")
            return false
        }
    }
}
