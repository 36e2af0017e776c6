import Core
/// `tbctl run --dry-run`: the plan as text, every job on every target with the values it
/// would get. Values known only while running (registered vars, addresses of clones a scale
/// adds) show as `<vars.name>`. A pure function of the plan and the testbed's facts.
public enum DryRun {
    public static func text(_ plan: RunPlan, facts start: Facts) -> String {
        var out: [String] = []
        let s = plan.scenario
        out.append("scenario \(s.file) on testbed \(start.project): \(count(s.stages.count, "stage"))")
        if !plan.vars.isEmpty {
            out.append("vars: " + plan.vars.keys.sorted().map { "\($0)=\(plan.vars[$0]!)" }.joined(separator: " "))
        }
        var facts = start
        for ps in plan.stages {
            let stage = ps.stage
            out.append("")
            out.append(heading(ps))
            let ctx = RenderContext(vars: plan.vars, facts: facts, runID: "<run.id>", stage: stage.name)
            if ps.isTestbedStage {
                for job in stage.jobs { out.append("  " + describe(job, ctx, facts: facts)) }
            } else {
                for target in ps.targets {
                    out.append("  \(target)" + captures(target))
                    var c = ctx
                    c.target = target
                    for job in stage.jobs { out += lines(job, c, facts: facts).map { "    " + $0 } }
                }
            }
            for job in stage.jobs { if case .testbed(.scale(let sc)) = job.action { facts = facts.scaled(sc.service.value, to: sc.replicas) } }
        }
        return out.joined(separator: "\n") + "\n"
    }

    static func heading(_ ps: PlannedStage) -> String {
        let stage = ps.stage
        var text = "stage \(stage.index + 1) \(stage.name)"
        guard !ps.isTestbedStage else { return text + " (testbed)" }
        text += ": \(count(ps.targets.count, ps.targets.first?.kind == .host ? "host" : "guest")), \(stage.mode.rawValue)"
        if let n = stage.maxFail { text += ", max_fail \(n)" }
        if let p = stage.maxFailPercent { text += ", max_fail_percent \(p.formatted0)%" }
        return text
    }

    static func captures(_ t: Target) -> String {
        let groups = t.captures.keys.filter { $0 != "0" }.sorted()
        guard !groups.isEmpty else { return "" }
        return " (" + groups.map { "match.\($0)=\(t.captures[$0]!)" }.joined(separator: " ") + ")"
    }

    /// A job's lines on one target: one per item.
    static func lines(_ job: Job, _ ctx: RenderContext, facts: Facts) -> [String] {
        guard let items = job.items else { return [describe(job, ctx, facts: facts)] }
        let mode = job.itemsConcurrent ? "concurrently" : "one after another"
        var out = ["\(job.name): \(count(items.count, "item")), \(mode)"]
        for item in items {
            var c = ctx
            c.item = Render.lenientItem(item, ctx)
            out.append("  [\(c.item!)] " + describe(job, c, facts: facts))
        }
        return out
    }

    static func describe(_ job: Job, _ ctx: RenderContext, facts: Facts) -> String {
        func r(_ t: Template) -> String { Render.lenient(t, ctx) }
        var text: String
        switch job.action {
        case .run(let c, let bg): text = "\(job.name): run\(bg ? " in the background" : ""): \(r(c))"
        case .copy(let s, let d, let m):
            text = "\(job.name): copy \(r(s)) -> \(r(d))" + (m.map { " (mode \(String($0, radix: 8)))" } ?? "")
        case .wait(let w):
            switch w.condition {
            case .port(let p, let a): text = "\(job.name): wait for port \(r(p))" + (a.map { " on \(r($0))" } ?? "")
            case .command(let c): text = "\(job.name): wait until `\(r(c))` succeeds (every \(Durations.format(w.interval)))"
            case .log(let p, let j): text = "\(job.name): wait for a line of \(j.value) matching `\(p.value)`"
            }
            text += " (timeout \(Durations.format(w.timeout)))"
        case .sleep(let d): text = "\(job.name): sleep \(Durations.format(d))"
        case .testbed(.snapshot(let n)): text = "\(job.name): snapshot the testbed as \(r(n))"
        case .testbed(.restore(let n)): text = "\(job.name): restore the testbed to \(r(n))"
        case .testbed(.network(let c)): text = "\(job.name): " + c.map(r).description
        case .testbed(.scale(let s)):
            let have = facts.clones(of: s.service.value).count
            text = "\(job.name): scale \(s.service.value) from \(have) to \(s.replicas)"
            if let b = s.batch { text += ", \(b) at a time" + (s.interval > .zero ? ", \(Durations.format(s.interval)) apart" : "") }
        }
        var notes: [String] = []
        if let t = job.timeout { notes.append("timeout \(Durations.format(t))") }
        if let reg = job.register { notes.append("stdout -> vars.\(reg.value)") }
        if !job.metrics.isEmpty { notes.append("metrics " + job.metrics.map(\.name).joined(separator: ", ")) }
        if job.ignoreErrors { notes.append("errors ignored") }
        return text + (notes.isEmpty ? "" : "  [" + notes.joined(separator: "; ") + "]")
    }

    static func count(_ n: Int, _ what: String) -> String { "\(n) \(what)\(n == 1 ? "" : "s")" }
}

extension Double {
    /// `50` for 50.0, `12.5` otherwise.
    var formatted0: String { self == rounded() ? String(Int(self)) : String(self) }
}
