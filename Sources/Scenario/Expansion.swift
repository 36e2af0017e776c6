import Core
import Foundation
import YAML

/// What a local path is, for `copy` sources (the file system, or a fake in tests).
public protocol LocalFiles: Sendable {
    /// nil when it does not exist.
    func kind(of path: String) -> LocalFileKind?
}

public enum LocalFileKind: Sendable { case file, directory }

public struct FileSystem: LocalFiles {
    public init() {}
    public func kind(of path: String) -> LocalFileKind? {
        var dir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &dir) else { return nil }
        return dir.boolValue ? .directory : .file
    }
}

/// A scenario over a testbed: every stage's targets, every reference checked, before anything
/// runs. Stages after a `scale` are checked against the testbed the scale leaves.
public enum Expansion {
    public static func expand(_ scenario: Scenario, facts: Facts, vars overrides: [String: String] = [:],
                              files: any LocalFiles = FileSystem()) throws -> RunPlan {
        let problems = Problems()
        let plan = expand(scenario, facts: facts, vars: overrides, files: files, problems: problems)
        guard problems.isEmpty else { throw ScenarioError(problems.all) }
        return plan
    }

    public static func expand(_ scenario: Scenario, facts start: Facts, vars overrides: [String: String],
                              files: any LocalFiles, problems: Problems) -> RunPlan {
        var vars = Dictionary(scenario.vars.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
        for (k, v) in overrides { vars[k] = v }
        var known = Set(vars.keys)
        var facts = start
        var stages: [PlannedStage] = []
        let registers = allRegisters(scenario)
        var background: Set<String> = []
        for stage in scenario.stages {
            let targets = Selection.targets(of: stage, in: facts, problems: problems)
            for job in stage.jobs {
                let later = registers.filter { !known.contains($0.key) }
                let scope = scope(stage, job, facts: facts, vars: known, later: later)
                JobCheck(scope: scope, stage: stage, job: job, targets: targets, folder: scenario.folder,
                         files: files, background: background, problems: problems).run()
                if job.action.isBackground { background.insert(job.name) }
                if let r = job.register { known.insert(r.value) }
                if case .testbed(.scale(let s)) = job.action { facts = scaled(facts, s, stage, job, problems) }
            }
            stages.append(PlannedStage(stage: stage, targets: targets))
        }
        return RunPlan(scenario: scenario, vars: vars, stages: stages)
    }

    /// The stages from `index` on, selected again against the testbed as it is now (after a
    /// `scale` the runner has the real addresses of the new clones).
    public static func reselect(_ plan: RunPlan, from index: Int, facts: Facts) throws -> RunPlan {
        let problems = Problems()
        var copy = plan
        var current = facts
        for i in index..<plan.stages.count {
            let stage = plan.stages[i].stage
            copy.stages[i].targets = Selection.targets(of: stage, in: current, problems: problems)
            for job in stage.jobs { if case .testbed(.scale(let s)) = job.action { current = current.scaled(s.service.value, to: s.replicas) } }
        }
        guard problems.isEmpty else { throw ScenarioError(problems.all) }
        return copy
    }

    /// The first register of each var name, for "registered by a later job" messages.
    static func allRegisters(_ scenario: Scenario) -> [String: Mark] {
        var out: [String: Mark] = [:]
        for s in scenario.stages { for j in s.jobs { if let r = j.register, out[r.value] == nil { out[r.value] = r.mark } } }
        return out
    }

    static func scope(_ stage: Stage, _ job: Job, facts: Facts, vars: Set<String>, later: [String: Mark]) -> Scope {
        let targets: Scope.Targets = stage.selector == nil ? .testbed : (stage.selector!.targetsHosts ? .hosts : .guests)
        var scope = Scope(targets: targets, match: nil, vars: vars, laterVars: later, facts: facts)
        if case .pattern(let p)? = stage.selector, let count = Patterns.groupCount("^(?:" + p.value + ")$") {
            scope.match = (count, Patterns.groupNames(p.value))
        }
        if let items = job.items {
            let maps = items.compactMap { if case .fields(let f, _) = $0 { return Set(f.keys) } else { return nil } }
            scope.items = maps.isEmpty ? .values : .fields(maps.reduce(maps[0]) { $0.intersection($1) })
        }
        return scope
    }

    static func scaled(_ facts: Facts, _ s: Scale, _ stage: Stage, _ job: Job, _ problems: Problems) -> Facts {
        guard facts.services[s.service.value] != nil else {
            problems.add(s.service.mark, Path.root.key("stages").index(stage.index).key("jobs").index(job.index).key("scale").key("service"),
                         "no service `\(s.service.value)` in testbed \(facts.project)"
                         + Suggestions.hint(for: s.service.value, among: facts.services.keys.sorted())
                         + Selection.list(" services", facts.services.keys.sorted()))
            return facts
        }
        return facts.scaled(s.service.value, to: s.replicas)
    }
}

/// The checks of one job: its templates (for every target where they name the target's own
/// facts), its items, its copy source, the background job a wait watches.
struct JobCheck {
    let scope: Scope
    let stage: Stage
    let job: Job
    let targets: [Target]
    let folder: String
    let files: any LocalFiles
    let background: Set<String>
    let problems: Problems

    var path: Path { Path.root.key("stages").index(stage.index).key("jobs").index(job.index) }

    func run() {
        var itemScope = scope
        itemScope.items = .none
        for (i, item) in (job.items ?? []).enumerated() {
            switch item {
            case .value(let t): itemScope.check(t, path.key("with_items").index(i), problems)
            case .fields(let f, _): for (k, t) in f { itemScope.check(t, path.key("with_items").index(i).key(k), problems) }
            }
        }
        for (t, p) in templates() {
            scope.check(t, p, problems)
            checkOwnNetworks(t, p)
        }
        if case .copy(let src, _, _) = job.action { checkSource(src) }
        if case .wait(let w) = job.action, case .log(_, let name) = w.condition, !background.contains(name.value) {
            problems.add(name.mark, path.key("wait").key("job"), "no background job `\(name.value)` runs before this wait"
                         + Suggestions.hint(for: name.value, among: background.sorted())
                         + (background.isEmpty ? " (a `run` job with `background: true` and `name: \(name.value)`)" : ""))
        }
    }

    /// The job's templates, each with where it is.
    func templates() -> [(Template, Path)] {
        switch job.action {
        case .run(let c, _): return [(c, path.key("run"))]
        case .copy(let s, let d, _): return [(s, path.key("copy").key("src")), (d, path.key("copy").key("dest"))]
        case .wait(let w):
            switch w.condition {
            case .port(let p, let a): return [(p, path.key("wait").key("port"))] + (a.map { [($0, path.key("wait").key("address"))] } ?? [])
            case .command(let c): return [(c, path.key("wait").key("command"))]
            case .log: return []
            }
        case .sleep: return []
        case .testbed(.snapshot(let n)): return [(n, path.key("snapshot"))]
        case .testbed(.restore(let n)): return [(n, path.key("restore"))]
        case .testbed(.scale): return []
        case .testbed(.network(let c)): return Self.templates(of: c, path)
        }
    }

    static func templates(of c: NetworkChange<Template>, _ path: Path) -> [(Template, Path)] {
        switch c {
        case .link(let g, let n, _): return [(g, path.key("link").key("guest")), (n, path.key("link").key("network"))]
        case .impair(let i):
            let p = path.key("impair")
            var out: [(Template, Path)] = i.values.keys.sorted().map { (i.values[$0]!, p.key($0)) }
            switch i.target {
            case .nic(let t)?: out.append((t, p.key("target")))
            case .path(let n, let b)?: out += [(n, p.key("network")), (b, p.key("between"))]
            case nil: break
            }
            return out
        case .partition(let a, let b): return [(a, path.key("partition").index(0)), (b, path.key("partition").index(1))]
        case .heal: return []
        }
    }

    /// `{{ guest.ip.lan }}` needs every selected guest to be on `lan`.
    func checkOwnNetworks(_ t: Template, _ p: Path) {
        for r in t.references where r.path.count == 3 && r.path[0] == "guest" && r.path[1] == "ip" {
            let lacking = targets.filter { scope.facts.guest($0.name)?.addresses[r.path[2]] == nil }.map(\.name)
            if !lacking.isEmpty {
                problems.add(r.mark, p, "`{{ \(r.text) }}`: \(lacking.joined(separator: ", ")) \(lacking.count == 1 ? "has" : "have") no address on network `\(r.path[2])`")
            }
        }
    }

    /// A literal source must exist now (a templated one is checked when the job runs).
    func checkSource(_ src: Template) {
        guard let text = src.literalText else { return }
        let full = text.hasPrefix("/") ? text : folder + "/" + text
        if files.kind(of: full) == nil {
            problems.add(src.mark, path.key("copy").key("src"), "no file or folder \(full)")
        }
    }
}
