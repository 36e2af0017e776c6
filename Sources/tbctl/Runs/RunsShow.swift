import ArgumentParser
import Core
import Foundation
import Records

struct RunsShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show a run: its status, vars, stages, every job on every target, metrics.",
        discussion: "The output of jobs is shown by `tbctl runs logs ID`. --json prints the whole record, the scenario's text included.")

    @OptionGroup var options: ProjectOptions
    @Argument(help: "The run's id (see `tbctl runs`).") var id: Int64
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let records = try RunsCommand.records(options)
        _ = try RunsCommand.run(id, in: records)
        guard let d = try records.detail(id) else { throw TBError(.notFound, "no run \(id)") }
        if output.isJSON { return try printJSON(d) }
        let r = d.run
        print("run \(r.id): \(r.status.rawValue)" + (r.exitCode.map { " (exit \($0))" } ?? "") + (r.error.map { ": \($0)" } ?? ""))
        print("scenario:  \(r.scenarioFile)")
        print("started:   \(RunText.time(r.startedAt)), " + (r.endedAt == nil ? "running" : "took \(RunText.duration(r.startedAt, r.endedAt))")
              + " (tbctl pid \(r.ownerPID) on \(r.ownerHost)\(r.detached ? ", detached" : ""))")
        print("vars:      \(RunText.vars(d.varsStart))")
        if let end = d.varsEnd, end != d.varsStart { print("vars end:  \(RunText.vars(end))") }
        if r.status.isFinal && !r.cleaned { print("note:      processes of this run may be left on its targets: `tbctl runs stop \(r.id)`") }
        if !d.stages.isEmpty {
            var t = Table("STAGE", "STATUS", "TARGETS", "TIME")
            for s in d.stages { t.add("\(s.index + 1) \(s.name)", s.status.rawValue, String(s.targets), RunText.duration(s.startedAt, s.endedAt)) }
            print("\n" + t.rendered)
        }
        if !d.jobs.isEmpty {
            var t = Table("STAGE", "JOB", "TARGET", "ITEM", "STATUS", "EXIT", "TIME", "DETAIL")
            for j in d.jobs {
                t.add(j.stage, j.name + (j.background ? " (bg)" : ""), j.target.isEmpty ? "testbed" : j.target, j.item ?? "-",
                      j.status.rawValue, j.exitStatus.map(String.init) ?? "-", RunText.duration(j.startedAt, j.endedAt),
                      Self.short(j.detail) + (j.error.map { "  [\($0)]" } ?? ""))
            }
            print("\n" + t.rendered)
        }
        if !d.metrics.isEmpty {
            var t = Table("METRIC", "TARGET", "JOB", "SAMPLES", "MIN", "MEAN", "MAX", "LAST")
            for m in d.metrics {
                t.add(m.metric, m.target, m.job, String(m.count), RunText.number(m.min), RunText.number(m.mean), RunText.number(m.max), RunText.number(m.last))
            }
            print("\n" + t.rendered)
        }
    }

    static func short(_ s: String) -> String {
        let one = s.replacingOccurrences(of: "\n", with: "; ")
        return one.count > 60 ? String(one.prefix(59)) + "…" : one
    }
}
