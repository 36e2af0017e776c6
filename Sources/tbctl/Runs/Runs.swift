import ArgumentParser
import Core
import Foundation
import Records
import TestbedState
import Workspace

struct RunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "List the project's scenario runs; show one, its logs, or stop it.",
        discussion: """
            Runs are recorded in .testbed/runs/ (SQLite), kept after `down`, and can be read \
            while they go on. A run whose tbctl died reads `interrupted`.

            Examples:
              tbctl runs                       every run, newest first
              tbctl runs show 3                its stages, jobs, exit statuses, metrics
              tbctl runs logs 3 --guest web-0  one guest's output
              tbctl runs logs 3 --follow       follow a run to its end (a detached one too)
              tbctl runs stop 3                stop it as Ctrl-C would
            """,
        subcommands: [RunsList.self, RunsShow.self, RunsLogs.self, RunsStop.self],
        defaultSubcommand: RunsList.self)

    static func records(_ options: ProjectOptions) throws -> RunRecords {
        try RunRecords(RecordsDirectory(Workspace(composeFile: options.file).path("runs")))
    }

    static func run(_ id: Int64, in records: RunRecords) throws -> RunSummary {
        guard let run = try records.run(id) else {
            let last = try records.list(limit: 1).first.map { " (the latest is \($0.id))" } ?? " (there are no runs yet)"
            throw TBError(.notFound, "no run \(id) in \(records.directory.path)\(last)")
        }
        return run
    }
}

/// Times and durations as the runs commands show them.
enum RunText {
    static func time(_ t: Double) -> String {
        let f = DateFormatter()
        f.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return f.string(from: Date(timeIntervalSince1970: t))
    }

    static func duration(_ from: Double, _ to: Double?) -> String {
        guard let to else { return "-" }
        let s = to - from
        if s < 60 { return String(format: "%.1fs", s) }
        if s < 3600 { return String(format: "%dm%02ds", Int(s) / 60, Int(s) % 60) }
        return String(format: "%dh%02dm", Int(s) / 3600, (Int(s) % 3600) / 60)
    }

    static func vars(_ v: [String: String]) -> String {
        v.isEmpty ? "(none)" : v.keys.sorted().map { "\($0)=\(v[$0]!)" }.joined(separator: " ")
    }

    static func number(_ d: Double) -> String { d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(format: "%.4g", d) }
}
