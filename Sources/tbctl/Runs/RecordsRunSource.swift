import Core
import Foundation
import Metrics
import Records
import Server
import Workspace

/// The scenario layer as `serve` sees it: run records read from `.testbed/runs` (SQLite,
/// readable while a run writes), runs started and stopped the way a user does it (`tbctl run
/// --detach`, `tbctl runs stop`: the same binary, so a run outlives the server), and the
/// charts of finished runs kept beside the records.
struct RecordsRunSource: RunSource {
    let workspace: Workspace
    let archive: ChartArchive
    private let opened = Locked<RunRecords?>(nil)

    init(workspace: Workspace) {
        self.workspace = workspace
        archive = ChartArchive(directory: workspace.path("charts"))
    }

    /// The records, opened once they exist (a project that never ran has no database yet, and
    /// RunRecords opened then would never see the first run).
    private func records() throws -> RunRecords {
        if let r = opened.current { return r }
        let dir = RecordsDirectory(workspace.path("runs"))
        let r = try RunRecords(dir)
        if FileManager.default.fileExists(atPath: dir.database) { opened.withLock { $0 = r } }
        return r
    }

    private func read<T: Sendable>(_ body: @escaping @Sendable (RunRecords) throws -> T) async throws -> T {
        try await blocking { try body(try self.records()) }
    }

    func runs() async throws -> [RunView] { try await read { try $0.list(limit: 200).map(Self.view) } }

    func run(_ id: Int64) async throws -> RunDetailView? {
        try await read { r in
            guard let d = try r.detail(id) else { return nil }
            return RunDetailView(
                run: Self.view(d.run),
                stages: d.stages.map { .init(name: $0.name, status: $0.status.rawValue, startedAt: $0.startedAt, endedAt: $0.endedAt) },
                jobs: d.jobs.map { .init(id: $0.id, stage: $0.stage, name: $0.name, kind: $0.kind, guest: $0.target, status: $0.status.rawValue,
                                         exitStatus: $0.exitStatus, error: $0.error, startedAt: $0.startedAt, endedAt: $0.endedAt) },
                metrics: d.metrics.map { .init(metric: $0.metric, guest: $0.target, job: $0.job, count: $0.count, min: $0.min, max: $0.max,
                                               mean: $0.mean, last: $0.last) },
                charts: nil)
        }
    }

    func logs(_ id: Int64, guest: String?, job: String?, after: Int64) async throws -> [LogLineView] {
        try await read { r in
            let jobs = Dictionary(uniqueKeysWithValues: try r.jobs(id).map { ($0.id, $0) })
            return try r.logs(id, Self.filter(guest, job), after: after).map { Self.line($0, jobs) }
        }
    }

    func follow(_ id: Int64, guest: String?, job: String?, after: Int64) -> AsyncThrowingStream<LogLineView, any Error> {
        AsyncThrowingStream { c in
            let task = Task {
                do {
                    let r = try await blocking { try self.records() }
                    var jobs: [Int64: JobRecord] = [:]
                    for try await e in r.follow(id, Self.filter(guest, job), after: after) {
                        if let j = e.jobID, jobs[j] == nil {
                            jobs = Dictionary(uniqueKeysWithValues: try await blocking { try r.jobs(id) }.map { ($0.id, $0) })
                        }
                        c.yield(Self.line(e, jobs))
                    }
                    c.finish()
                } catch { c.finish(throwing: error) }
            }
            c.onTermination = { _ in task.cancel() }
        }
    }

    /// The 20 most recent runs, their jobs and the last value of each metric they extracted.
    func facts() async throws -> TestbedFacts {
        try await read { r in
            let now = Date().timeIntervalSince1970
            let recent = try r.list(limit: 20)
            var facts = TestbedFacts()
            for run in recent {
                let id = String(run.id), scenario = Self.scenarioName(run.scenarioFile)
                facts.runs.append(.init(id: id, scenario: scenario, status: run.status.rawValue, duration: (run.endedAt ?? now) - run.startedAt))
                for j in try r.jobs(run.id) {
                    facts.jobs.append(.init(run: id, stage: j.stage, job: j.name, guest: j.target, status: j.status.rawValue,
                                            duration: j.endedAt.map { $0 - j.startedAt }))
                }
                for m in try r.metrics(run.id) {
                    facts.samples.append(.init(run: id, scenario: scenario, metric: m.metric, job: m.job, guest: m.target, value: m.last))
                }
            }
            return facts
        }
    }

    func start(scenario: String, vars: [String: String]) async throws -> Int64 {
        let file = scenario.hasPrefix("/") ? scenario : URL(fileURLWithPath: workspace.composeFile).deletingLastPathComponent().path + "/" + scenario
        guard FileManager.default.fileExists(atPath: file) else { throw TBError(.invalidInput, "no scenario file \(scenario) in the project folder") }
        let argv = [Self.tbctl, "run", file, "-f", workspace.composeFile, "--detach", "--json"]
            + vars.sorted { $0.key < $1.key }.flatMap { ["--var", "\($0.key)=\($0.value)"] }
        let r = try await Subprocess.run(argv)
        guard r.succeeded else {
            // Exit 2: the scenario does not check (its problems, at file:line:column, on stderr).
            throw TBError(r.status == 2 ? .invalidInput : .command, r.stderr.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        struct Started: Decodable { var id: Int64 }
        do { return try JSONDecoder().decode(Started.self, from: Data(r.stdout.utf8)).id } catch {
            throw TBError(.internalError, "tbctl run --detach said something else than its run id", cause: r.stdout)
        }
    }

    func cancel(_ id: Int64) async throws {
        guard let run = try await read({ try $0.run(id) }) else { throw TBError(.notFound, "no run \(id)") }
        guard !run.status.isFinal else { throw TBError(.conflict, "run \(id) has already ended (\(run.status.rawValue))") }
        let r = try await Subprocess.run([Self.tbctl, "runs", "stop", String(id), "-f", workspace.composeFile])
        guard r.succeeded else { throw TBError(.command, "tbctl runs stop \(id) failed", cause: r.stderr) }
    }

    func saveCharts(_ id: Int64, _ charts: ChartsView) async throws {
        let archive = self.archive
        try await blocking { try archive.save(id, charts) }
    }

    func charts(_ id: Int64) async throws -> ChartsView? {
        let archive = self.archive
        return try await blocking { try archive.load(id) }
    }

    // MARK: - mapping

    static var tbctl: String { (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0] }

    static func scenarioName(_ file: String) -> String { URL(fileURLWithPath: file).lastPathComponent }

    static func filter(_ guest: String?, _ job: String?) -> LogFilter {
        LogFilter(target: guest, job: job, events: guest == nil && job == nil)
    }

    static func view(_ r: RunSummary) -> RunView {
        RunView(id: r.id, scenario: scenarioName(r.scenarioFile), description: r.description, status: r.status.rawValue,
                startedAt: r.startedAt, endedAt: r.endedAt, exitCode: r.exitCode, error: r.error)
    }

    static func line(_ e: LogEntry, _ jobs: [Int64: JobRecord]) -> LogLineView {
        let job = e.jobID.flatMap { jobs[$0] }
        let stream = switch e.stream { case .event: "event"; case .stdout: "stdout"; case .stderr: "stderr" }
        return LogLineView(id: e.id, at: e.at, guest: job?.target, job: job?.name, stream: stream, text: e.text)
    }
}
