import Core
import Foundation

/// The project's run records, for reading (`tbctl runs`, the metrics exporter, the dashboard)
/// and for the little upkeep other processes do: marking a run whose process died. Reading
/// never blocks the run being written (WAL), and sees it as of its last commit.
public final class RunRecords: Sendable {
    public let directory: RecordsDirectory
    private let db: Database?

    /// Opens the records; a project that never ran anything has none (every list is empty).
    public init(_ directory: RecordsDirectory) throws {
        self.directory = directory
        guard FileManager.default.fileExists(atPath: directory.database) else { db = nil; return }
        let db = try Database(path: directory.database, create: false)
        try Schema.migrate(db)
        self.db = db
    }

    private static let runColumns = """
        id, project, scenario_file, description, status, started_at, ended_at, exit_code, error, owner_pid, owner_host,
        detached, console_log, cleaned
        """

    /// Every run, newest first.
    public func list(limit: Int = 1000) throws -> [RunSummary] {
        guard let db else { return [] }
        return try db.query("SELECT \(Self.runColumns) FROM runs ORDER BY id DESC LIMIT ?", [.int(Int64(limit))]).map(summary)
    }

    public func run(_ id: Int64) throws -> RunSummary? {
        guard let db else { return nil }
        return try db.query("SELECT \(Self.runColumns) FROM runs WHERE id = ?", [.int(id)]).first.map(summary)
    }

    /// A run with its stages, jobs and metric summaries; nil when there is no such run.
    public func detail(_ id: Int64) throws -> RunDetail? {
        guard let db, let run = try run(id) else { return nil }
        let extra = try db.query("SELECT scenario_text, vars_start, vars_end FROM runs WHERE id = ?", [.int(id)])[0]
        return RunDetail(run: run, scenarioText: extra.text(0) ?? "", varsStart: JSONText.decode(extra.text(1)) ?? [:],
                         varsEnd: JSONText.decode(extra.text(2)), stages: try stages(id), jobs: try jobs(id),
                         metrics: try metrics(id))
    }

    public func stages(_ id: Int64) throws -> [StageRecord] {
        guard let db else { return [] }
        return try db.query("SELECT idx, name, status, targets, started_at, ended_at FROM stages WHERE run_id = ? ORDER BY idx",
                            [.int(id)]).map { r in
            StageRecord(index: Int(r.int(0)!), name: r.text(1)!, status: RunStatus(rawValue: r.text(2)!) ?? .interrupted,
                        targets: Int(r.int(3)!), startedAt: r.double(4)!, endedAt: r.double(5))
        }
    }

    public func jobs(_ id: Int64) throws -> [JobRecord] {
        guard let db else { return [] }
        return try db.query("""
            SELECT id, stage_idx, stage, job_idx, name, kind, target, target_kind, item_idx, item, detail, background, status,
                   exit_status, error, started_at, ended_at
            FROM jobs WHERE run_id = ? ORDER BY id
            """, [.int(id)]).map { r in
            JobRecord(id: r.int(0)!, stageIndex: Int(r.int(1)!), stage: r.text(2)!, jobIndex: Int(r.int(3)!), name: r.text(4)!,
                      kind: r.text(5)!, target: r.text(6)!, targetKind: r.text(7)!, itemIndex: r.int(8).map { Int($0) },
                      item: r.text(9), detail: r.text(10)!, background: r.int(11) == 1,
                      status: JobStatus(rawValue: r.text(12)!) ?? .cancelled, exitStatus: r.int(13).map { Int($0) },
                      error: r.text(14), startedAt: r.double(15)!, endedAt: r.double(16))
        }
    }

    /// Log entries after `cursor` (an entry id; 0 from the start), in recorded order.
    public func logs(_ id: Int64, _ filter: LogFilter = LogFilter(), after cursor: Int64 = 0, limit: Int = 10_000) throws -> [LogEntry] {
        guard let db else { return [] }
        var sql = "SELECT l.id, l.job_id, l.stream, l.at, l.data FROM logs l LEFT JOIN jobs j ON j.run_id = l.run_id AND j.id = l.job_id WHERE l.run_id = ? AND l.id > ?"
        var values: [SQLValue] = [.int(id), .int(cursor)]
        if let t = filter.target { sql += " AND j.target = ?"; values.append(.text(t)) }
        if let n = filter.job { sql += " AND j.name = ?"; values.append(.text(n)) }
        if !filter.events || filter.target != nil || filter.job != nil { sql += " AND l.job_id IS NOT NULL" }
        sql += " ORDER BY l.id LIMIT ?"
        values.append(.int(Int64(limit)))
        return try db.query(sql, values).map { r in
            LogEntry(id: r.int(0)!, jobID: r.int(1), stream: LogStream(rawValue: Int(r.int(2)!)) ?? .event, at: r.double(3)!, data: r.blob(4))
        }
    }

    /// Every sample of a run (or of one metric), in time order, with its job and target.
    public func samples(_ id: Int64, metric: String? = nil) throws -> [Sample] {
        guard let db else { return [] }
        var sql = "SELECT s.job_id, s.metric, s.value, s.at, j.target, j.name FROM samples s JOIN jobs j ON j.run_id = s.run_id AND j.id = s.job_id WHERE s.run_id = ?"
        var values: [SQLValue] = [.int(id)]
        if let metric { sql += " AND s.metric = ?"; values.append(.text(metric)) }
        return try db.query(sql + " ORDER BY s.at, s.id", values).map { r in
            Sample(jobID: r.int(0)!, metric: r.text(1)!, value: r.double(2)!, at: r.double(3)!, target: r.text(4)!, job: r.text(5)!)
        }
    }

    public func metrics(_ id: Int64) throws -> [MetricSummary] {
        guard let db else { return [] }
        return try db.query("""
            SELECT s.metric, j.target, j.name, COUNT(*), MIN(s.value), MAX(s.value), AVG(s.value),
                   (SELECT s2.value FROM samples s2 JOIN jobs j2 ON j2.run_id = s2.run_id AND j2.id = s2.job_id
                    WHERE s2.run_id = s.run_id AND s2.metric = s.metric AND j2.target = j.target AND j2.name = j.name
                    ORDER BY s2.at DESC, s2.id DESC LIMIT 1)
            FROM samples s JOIN jobs j ON j.run_id = s.run_id AND j.id = s.job_id
            WHERE s.run_id = ? GROUP BY s.metric, j.target, j.name ORDER BY s.metric, j.target, j.name
            """, [.int(id)]).map { r in
            MetricSummary(metric: r.text(0)!, target: r.text(1)!, job: r.text(2)!, count: Int(r.int(3)!), min: r.double(4)!,
                          max: r.double(5)!, mean: r.double(6)!, last: r.double(7)!)
        }
    }

    /// The guests and hosts a run started jobs on: where its processes may be left.
    public func targets(_ id: Int64) throws -> [(name: String, kind: String)] {
        guard let db else { return [] }
        return try db.query("SELECT DISTINCT target, target_kind FROM jobs WHERE run_id = ? AND target_kind != 'testbed' ORDER BY target",
                            [.int(id)]).map { ($0.text(0)!, $0.text(1)!) }
    }

    /// Runs whose process died before it could stop its processes on the targets.
    public func leftBehind() throws -> [RunSummary] {
        try list().filter { $0.ownerDied || ($0.status.isFinal && !$0.cleaned) }
    }

    /// Records that a run's process died and its leftovers are gone (`cleaned`), as the
    /// next `tbctl run` or `tbctl runs stop` finds it. Only for runs whose owner is dead. Its
    /// end is the last thing it recorded.
    public func markInterrupted(_ id: Int64, reason: String, cleaned: Bool) throws {
        guard let db else { return }
        let now = Date().timeIntervalSince1970
        try db.transaction { db in
            try db.query("""
                UPDATE runs SET status = CASE status WHEN 'running' THEN 'interrupted' ELSE status END,
                    error = CASE status WHEN 'running' THEN ? ELSE error END,
                    exit_code = COALESCE(exit_code, 130),
                    ended_at = COALESCE(ended_at, (SELECT MAX(at) FROM logs WHERE run_id = ?), ?), cleaned = ? WHERE id = ?
                """, [.text(reason), .int(id), .double(now), .int(cleaned ? 1 : 0), .int(id)])
            try db.query("UPDATE stages SET status = 'interrupted', ended_at = ? WHERE run_id = ? AND status = 'running'", [.double(now), .int(id)])
            try db.query("UPDATE jobs SET status = 'cancelled', ended_at = ? WHERE run_id = ? AND status = 'running'", [.double(now), .int(id)])
        }
        // A killed owner leaves its (unlocked) lock file behind.
        let lock = directory.ownerLock(id)
        if !OwnerLock.isHeld(lock) { unlink(lock) }
    }

    private func summary(_ r: Row) -> RunSummary {
        let id = r.int(0)!
        var status = RunStatus(rawValue: r.text(4)!) ?? .interrupted
        var died = false
        if status == .running && !OwnerLock.isHeld(directory.ownerLock(id)) {
            // The run may have ended between the read and the check: it commits its status
            // before it lets go of the lock, so a second read tells.
            let now = (try? db?.query("SELECT status FROM runs WHERE id = ?", [.int(id)]).first?.text(0)).flatMap { $0 }
            status = now.flatMap(RunStatus.init(rawValue:)) ?? .interrupted
            if status == .running { status = .interrupted; died = true }
        }
        return RunSummary(id: id, project: r.text(1)!, scenarioFile: r.text(2)!, description: r.text(3), status: status,
                          startedAt: r.double(5)!, endedAt: r.double(6), exitCode: r.int(7).map { Int($0) }, error: r.text(8),
                          ownerPID: Int(r.int(9)!), ownerHost: r.text(10)!, detached: r.int(11) == 1, consoleLog: r.text(12),
                          cleaned: r.int(13) == 1, ownerDied: died)
    }
}
