import Core
import YAML

/// One entry of `stages:`: its selector, mode, failure rules and jobs.
enum StageDecoder {
    static let selectorKeys = ["on", "service", "guests", "all", "hosts"]
    static let keys = ["name", "mode", "max_fail", "max_fail_percent", "jobs"] + selectorKeys

    static func decode(_ node: Node, index: Int, path: Path, _ r: Reader) -> Stage? {
        guard let f = r.fields(node, path, allowed: keys) else { return nil }
        let name = f["name"].flatMap { r.name($0.value, path.key("name")) }?.value ?? "stage-\(index + 1)"
        if let n = f["name"]?.value, let text = n.scalar?.value, text.contains(where: { $0.isWhitespace || $0 == "/" }) {
            r.error(n, path.key("name"), "a stage name has no blanks or `/` (it names the stage in records and logs)")
        }
        let selector = decodeSelector(f, node: node, path: path, r)
        let mode = f["mode"].flatMap { StageDecoder.mode($0.value, path.key("mode"), r) } ?? Stage.Mode.concurrent
        let maxFail = f["max_fail"].flatMap { r.int($0.value, path.key("max_fail"), min: 0) }
        let maxFailPercent = f["max_fail_percent"].flatMap { r.percent($0.value, path.key("max_fail_percent")) }
        guard let jobsPair = f["jobs"] else {
            r.problems.add(node.mark, path, "missing required key `jobs` (the stage's list of jobs)")
            return nil
        }
        let jobNodes = r.list(jobsPair.value, path.key("jobs")) ?? []
        if jobNodes.isEmpty && jobsPair.value.sequence != nil {
            r.error(jobsPair.value, path.key("jobs"), "the stage has no jobs")
        }
        let jobs = jobNodes.enumerated().compactMap { i, n in JobDecoder.decode(n, index: i, path: path.key("jobs").index(i), r) }
        let stage = Stage(index: index, name: name, mark: node.mark, selector: selector ?? nil, mode: mode, maxFail: maxFail,
                          maxFailPercent: maxFailPercent, jobs: jobs)
        StageRules.check(stage, fields: f, path: path, r)
        return stage
    }

    /// At most one selector key; none means a testbed stage. Returns .some(nil) for none.
    static func decodeSelector(_ f: [String: Pair], node: Node, path: Path, _ r: Reader) -> Selector?? {
        let given = selectorKeys.filter { f[$0] != nil }.sorted {
            let a = f[$0]!.key.mark, b = f[$1]!.key.mark
            return (a.line, a.column) < (b.line, b.column)
        }
        if given.count > 1 {
            let second = f[given[1]]!.key
            r.error(second, path.key(given[1]),
                    "a stage selects its targets one way: `\(given[0])` and `\(given[1])` are both given")
            return nil
        }
        guard let key = given.first, let pair = f[key] else { return .some(nil) }
        let p = path.key(key)
        switch key {
        case "on":
            return r.text(pair.value, p).map { .pattern(Located($0, pair.value.mark)) }
        case "service":
            return r.names(pair.value, p).map { .services($0) }
        case "guests":
            return r.names(pair.value, p).map { .guests($0) }
        case "all":
            guard let b = r.bool(pair.value, p) else { return nil }
            if !b { r.error(pair.value, p, "`all: false` selects nothing: leave it out and name the guests") ; return nil }
            return .all(pair.value.mark)
        default:
            if pair.value.scalar?.value == "all" { return .hosts(nil, pair.value.mark) }
            return r.names(pair.value, p).map { .hosts($0, pair.value.mark) }
        }
    }

    static func mode(_ node: Node, _ path: Path, _ r: Reader) -> Stage.Mode? {
        guard let text = r.text(node, path) else { return nil }
        guard let m = Stage.Mode(rawValue: text) else {
            r.error(node, path, "`\(text)` is not one of `concurrent`, `sequential`"
                    + Suggestions.hint(for: text, among: ["concurrent", "sequential"]))
            return nil
        }
        return m
    }
}

/// Rules between a stage's parts: testbed operations only where nothing is selected, guest
/// jobs only where something is, job names unique.
enum StageRules {
    static func check(_ stage: Stage, fields f: [String: Pair], path: Path, _ r: Reader) {
        let selected = stage.selector != nil || StageDecoder.selectorKeys.contains { f[$0] != nil }
        for job in stage.jobs {
            let jp = path.key("jobs").index(job.index)
            if selected && job.action.isTestbedOperation {
                r.problems.add(job.mark, jp, "`\(job.action.kind)` works on the whole testbed: put it in a stage of its own, without `on`, `service`, `guests`, `all` or `hosts`")
            }
            if !selected && !job.action.isTestbedOperation && !job.action.runsAnywhere {
                r.problems.add(job.mark, jp, "a `\(job.action.kind)` job needs targets: give the stage `on: REGEX`, `service:`, `guests:`, `all: true` or `hosts:`")
            }
        }
        if !selected {
            for key in ["mode", "max_fail", "max_fail_percent"] where f[key] != nil {
                r.problems.add(f[key]!.key.mark, path.key(key), "`\(key)` applies to stages that select guests or hosts")
            }
        }
        var seen: [String: Mark] = [:]
        for job in stage.jobs {
            if let first = seen[job.name] {
                r.problems.add(job.mark, path.key("jobs").index(job.index).key("name"),
                               "a job named `\(job.name)` is already in this stage (line \(first.line), column \(first.column))")
            } else {
                seen[job.name] = job.mark
            }
        }
    }
}
