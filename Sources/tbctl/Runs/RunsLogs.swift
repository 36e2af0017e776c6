import ArgumentParser
import Core
import Foundation
import Records

struct RunsLogs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Print a run's output: every job's lines, prefixed `target job | `, with the run's own lines.",
        discussion: """
            --follow keeps printing as the run goes on and ends with it (a detached run too), \
            exiting with the run's exit status. --json prints one JSON object per line: id, \
            target, job, stream (stdout, stderr, event), at (Unix seconds) and text.
            """)

    @OptionGroup var options: ProjectOptions
    @Argument(help: "The run's id (see `tbctl runs`).") var id: Int64
    @Option(help: ArgumentHelp("Only the jobs of this guest (or host).", valueName: "name")) var guest: String?
    @Option(help: ArgumentHelp("Only the job of this name.", valueName: "name")) var job: String?
    @Flag(help: "Keep printing until the run ends.") var follow = false
    /// json: one JSON object per entry (JSON lines), so a follower can read as it goes.
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let records = try RunsCommand.records(options)
        _ = try RunsCommand.run(id, in: records)
        let names = JobNames(records: records, run: id)
        let printer = LogPrinter(json: output.isJSON, names: names)
        let filter = LogFilter(target: guest, job: job)
        if follow {
            for try await e in records.follow(id, filter) { printer.print(e) }
        } else {
            var cursor: Int64 = 0
            while true {
                let batch = try records.logs(id, filter, after: cursor)
                if batch.isEmpty { break }
                for e in batch { printer.print(e) }
                cursor = batch.last!.id
            }
        }
        printer.finish()
        if follow, let code = try records.run(id)?.exitCode, code != 0 { throw ExitCode(Int32(code)) }
    }
}

/// Job ids to their target and name, read again when a new job shows up.
final class JobNames: @unchecked Sendable {
    private let records: RunRecords
    private let run: Int64
    private var known: [Int64: JobRecord] = [:]
    init(records: RunRecords, run: Int64) { self.records = records; self.run = run }

    func job(_ id: Int64) -> JobRecord? {
        if known[id] == nil, let jobs = try? records.jobs(run) {
            known = Dictionary(uniqueKeysWithValues: jobs.map { ($0.id, $0) })
        }
        return known[id]
    }
}

final class LogPrinter: @unchecked Sendable {
    let json: Bool
    let names: JobNames
    let lines = LineJoiner()
    private var prefixes: Set<String> = []

    init(json: Bool, names: JobNames) { self.json = json; self.names = names }

    func print(_ e: LogEntry) {
        let job = e.jobID.flatMap(names.job)
        if json {
            struct Line: Encodable { var id: Int64; var target: String?; var job: String?; var item: String?; var stream: String; var at: Double; var text: String }
            let stream = e.stream == .event ? "event" : (e.stream == .stdout ? "stdout" : "stderr")
            let line = Line(id: e.id, target: job.map { $0.target.isEmpty ? "testbed" : $0.target }, job: job?.name, item: job?.item,
                            stream: stream, at: e.at, text: e.text)
            let enc = JSONEncoder()
            enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            if let d = try? enc.encode(line) { Swift.print(String(decoding: d, as: UTF8.self)) }
            return
        }
        guard let job else {
            for l in e.text.split(separator: "\n", omittingEmptySubsequences: false).dropLast(e.text.hasSuffix("\n") ? 1 : 0) { Swift.print("-- \(l)") }
            return
        }
        let prefix = "\(job.target.isEmpty ? "testbed" : job.target) \(job.name)" + (job.item.map { "[\($0)]" } ?? "")
        prefixes.insert(prefix)
        for l in lines.add(prefix, e.stream, e.data) { Swift.print(l) }
    }

    func finish() {
        for p in prefixes.sorted() { for l in lines.finish(p) { Swift.print(l) } }
    }
}
