import Conditions
import Core
import Scenario
import TestbedState

/// A scenario's `link`, `impair` and `partition` jobs as `tbctl link|impair|partition`
/// requests, and their check before the run starts.
public enum ConditionJobs {
    static func request(_ c: NetworkChange<String>) -> ConditionRequest {
        switch c {
        case .link(let g, let n, let up): return .link(guest: g, network: n, up: up)
        case .impair(let i):
            let target: ImpairTarget? = i.target.map {
                switch $0 {
                case .nic(let t): return .nic(t)
                case .path(let n, let b): return .path(network: n, between: b)
                }
            }
            let direction = i.direction.flatMap(Direction.init(rawValue:))
            if i.clear { return .clear(target, direction) }
            let v = i.values
            let values = ImpairValues(delay: v["delay"], jitter: v["jitter"], loss: v["loss"], rate: v["rate"],
                                      duplicate: v["duplicate"], corrupt: v["corrupt"])
            // The decoder gives a target unless clearing everything.
            return .impair(target!, values, direction ?? .out)
        case .partition(let a, let b): return .partition(a, b)
        case .heal: return .heal
        }
    }

    /// The jobs whose names and values are all literal, resolved against the testbed as it is
    /// at the start: every bad name or value, located, before anything runs. Jobs after a
    /// `scale` may name clones it makes: theirs are resolved when they run.
    public static func problems(_ plan: RunPlan, state: TestbedState) -> [Problem] {
        let resolver = Resolver(state: state)
        var problems: [Problem] = []
        var scaled = false
        for planned in plan.stages {
            for job in planned.stage.jobs {
                if case .testbed(.scale) = job.action { scaled = true }
                guard case .testbed(.network(let change)) = job.action, !scaled else { continue }
                let templates = change.values
                guard let literal = try? change.map({ t -> String in
                    guard let text = t.literalText else { throw TBError(.invalidInput, "templated") }
                    return text
                }) else { continue }
                do { _ = try request(literal).resolved(resolver, prefix: "") } catch {
                    let path = "stages[\(planned.stage.index)].jobs[\(job.index)].\(change.kind)"
                    problems.append(Problem(mark: templates.first?.mark ?? job.mark, path: path, message: TBError.describe(error)))
                }
            }
        }
        return problems
    }
}
