import ArgumentParser
import Foundation
import Records

struct RunsList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the runs, newest first: id, status, start, duration, scenario.",
        discussion: "A run shows `interrupted` once its tbctl has ended without finishing it (Ctrl-C, kill -9); `left processes` means `tbctl runs stop ID` still has to stop some of them.")

    @OptionGroup var options: ProjectOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let runs = try RunsCommand.records(options).list()
        if output.isJSON { return try printJSON(runs) }
        if runs.isEmpty { return print("no runs yet: start one with `tbctl run SCENARIO`") }
        var t = Table("ID", "STATUS", "STARTED", "DURATION", "SCENARIO", "NOTE")
        for r in runs {
            var notes: [String] = []
            if r.detached { notes.append("detached") }
            if r.status == .running { notes.append("pid \(r.ownerPID)") }
            if r.status.isFinal && !r.cleaned { notes.append("left processes: tbctl runs stop \(r.id)") }
            t.add(String(r.id), r.status.rawValue, RunText.time(r.startedAt), r.status == .running ? "running" : RunText.duration(r.startedAt, r.endedAt),
                  (r.scenarioFile as NSString).lastPathComponent, notes.joined(separator: ", "))
        }
        print(t.rendered)
    }
}
