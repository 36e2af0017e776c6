import Core
import Records
import Scenario

/// One stage: its targets concurrently (at most `parallel` at once) or one after another,
/// each running the stage's jobs in order. The stage fails once more targets failed than
/// `max_fail` / `max_fail_percent` allow (none by default); then the targets still running are
/// cancelled and no other starts.
struct StageRun {
    let ctx: RunContext
    let planned: PlannedStage

    struct Result: Sendable {
        var status: RunStatus
        var counts: StageCounts
        var failures: [String]
    }

    enum TargetEnd: Sendable { case passed, failed(String), cancelled }

    var stage: Stage { planned.stage }

    func run() async -> Result {
        planned.isTestbedStage ? await runOnTestbed() : await runOnTargets()
    }

    /// How many targets may fail: the smaller of the stage's limits, 0 when it sets none.
    static func allowedFailures(_ stage: Stage, targets: Int) -> Int {
        var limits: [Int] = []
        if let n = stage.maxFail { limits.append(n) }
        if let p = stage.maxFailPercent { limits.append(Int((Double(targets) * p / 100).rounded(.down))) }
        return limits.min() ?? 0
    }

    private func runOnTargets() async -> Result {
        let state = Locked(Result(status: .passed, counts: StageCounts(total: planned.targets.count), failures: []))
        let allowed = Self.allowedFailures(stage, targets: planned.targets.count)
        let ctx = self.ctx, index = stage.index
        /// Books a target's end; true when the stage has now failed.
        @Sendable func ended(_ end: TargetEnd) -> Bool {
            let (counts, over) = state.withLock { s -> (StageCounts, Bool) in
                s.counts.running -= 1
                s.counts.done += 1
                if case .failed(let why) = end {
                    s.counts.failed += 1
                    s.failures.append(why)
                }
                if case .cancelled = end, s.status == .passed { s.status = .interrupted }
                if s.counts.failed > allowed { s.status = .failed }
                return (s.counts, s.status == .failed)
            }
            ctx.events.stageProgress(index, counts)
            return over
        }
        @Sendable func started() {
            let counts = state.withLock { s -> StageCounts in s.counts.running += 1; return s.counts }
            ctx.events.stageProgress(index, counts)
        }
        if stage.mode == .sequential {
            for target in planned.targets {
                if Task.isCancelled { break }
                started()
                if ended(await runTarget(target)) { break }
            }
        } else {
            await withTaskGroup(of: Void.self) { group in
                var pending = planned.targets[...]
                var running = 0
                func launch() {
                    guard let target = pending.popFirst() else { return }
                    running += 1
                    started()
                    group.addTask { if ended(await runTarget(target)) { /* seen below */ } }
                }
                while running < ctx.options.parallel && !pending.isEmpty { launch() }
                while await group.next() != nil {
                    running -= 1
                    if state.current.status == .failed { group.cancelAll(); continue }
                    if !Task.isCancelled { launch() }
                }
            }
        }
        var result = state.current
        if Task.isCancelled && result.status != .failed { result.status = .interrupted }
        return result
    }

    /// A target's jobs in order; the first failure (not ignored) ends the target.
    func runTarget(_ target: Target) async -> TargetEnd {
        for job in stage.jobs {
            if Task.isCancelled { return .cancelled }
            switch await runJob(job, on: target) {
            case .failed: return .failed("\(target.name): \(job.name) failed")
            case .cancelled: return .cancelled
            default: continue
            }
        }
        return .passed
    }

    /// A job on one target: once, or once per item (in order, or all at once).
    func runJob(_ job: Job, on target: Target?) async -> JobStatus {
        guard let items = job.items else {
            return await Instance(ctx: ctx, stage: stage, job: job, target: target, itemIndex: nil, item: nil).run()
        }
        if !job.itemsConcurrent {
            for (i, item) in items.enumerated() {
                let s = await Instance(ctx: ctx, stage: stage, job: job, target: target, itemIndex: i, item: item).run()
                if s == .failed || s == .cancelled { return s }
            }
            return .passed
        }
        let worst = Locked(JobStatus.passed)
        let (ctx, stage) = (self.ctx, self.stage)
        await withTaskGroup(of: Void.self) { group in
            for (i, item) in items.enumerated() {
                group.addTask {
                    let s = await Instance(ctx: ctx, stage: stage, job: job, target: target, itemIndex: i, item: item).run()
                    worst.withLock { w in if s == .failed || (s == .cancelled && w != .failed) { w = s } }
                }
            }
        }
        return worst.current
    }

    /// A stage without targets: its jobs once, in order.
    private func runOnTestbed() async -> Result {
        var result = Result(status: .passed, counts: StageCounts(total: 1), failures: [])
        result.counts.running = 1
        ctx.events.stageProgress(stage.index, result.counts)
        for job in stage.jobs {
            let s = await runJob(job, on: nil)
            if s == .failed { result.status = .failed; result.failures.append("\(job.name) failed"); break }
            if s == .cancelled || Task.isCancelled { result.status = .interrupted; break }
        }
        result.counts.running = 0
        result.counts.done = 1
        if result.status == .failed { result.counts.failed = 1 }
        return result
    }
}
