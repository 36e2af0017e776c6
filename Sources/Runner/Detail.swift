import Scenario

/// A job as the record shows it: the command or operation with its values filled in (what
/// is not known shows as `<vars.x>`).
enum Detail {
    static func of(_ job: Job, _ r: RenderContext) -> String {
        func v(_ t: Template) -> String { Render.lenient(t, r) }
        switch job.action {
        case .run(let c, _): return v(c)
        case .copy(let s, let d, let m): return "\(v(s)) -> \(v(d))" + (m.map { " mode \(String($0, radix: 8))" } ?? "")
        case .wait(let w):
            let limit = " (timeout \(Durations.format(w.timeout)))"
            switch w.condition {
            case .port(let p, let a): return "port \(v(p))" + (a.map { " on \(v($0))" } ?? "") + limit
            case .command(let c): return "until `\(v(c))` succeeds" + limit
            case .log(let p, let j): return "a line of \(j.value) matching `\(p.value)`" + limit
            }
        case .sleep(let d): return Durations.format(d)
        case .testbed(.snapshot(let n)), .testbed(.restore(let n)): return v(n)
        case .testbed(.network(let c)): return c.map(v).description
        case .testbed(.scale(let s)):
            return "\(s.service.value) to \(s.replicas)" + (s.batch.map { ", \($0) at a time" } ?? "")
                + (s.interval > .zero ? ", \(Durations.format(s.interval)) apart" : "")
        }
    }
}
