import Core
import Foundation

/// What a run records when it starts.
public struct NewRun: Sendable {
    public var project: String
    public var composeFile: String
    public var scenarioFile: String
    public var scenarioText: String
    public var description: String?
    public var vars: [String: String]
    public var detached: Bool

    public init(project: String, composeFile: String, scenarioFile: String, scenarioText: String,
                description: String? = nil, vars: [String: String], detached: Bool = false) {
        self.project = project; self.composeFile = composeFile; self.scenarioFile = scenarioFile
        self.scenarioText = scenarioText; self.description = description; self.vars = vars; self.detached = detached
    }
}

/// What a job instance records when it starts.
public struct NewJob: Sendable {
    public var stageIndex: Int
    public var stage: String
    public var jobIndex: Int
    public var name: String
    public var kind: String
    public var target: String
    public var targetKind: String
    public var itemIndex: Int?
    public var item: String?
    public var detail: String
    public var background: Bool

    public init(stageIndex: Int, stage: String, jobIndex: Int, name: String, kind: String, target: String,
                targetKind: String, itemIndex: Int? = nil, item: String? = nil, detail: String, background: Bool = false) {
        self.stageIndex = stageIndex; self.stage = stage; self.jobIndex = jobIndex; self.name = name; self.kind = kind
        self.target = target; self.targetKind = targetKind; self.itemIndex = itemIndex; self.item = item
        self.detail = detail; self.background = background
    }
}

/// The record of one run, written by the process that runs it. Calls return at once: writes
/// are queued and committed by one thread in a transaction every 50 ms or so, in the order
/// they were made, so output arriving on SSH threads never waits for the disk, and readers in
/// other processes see the run at most a fraction of a second behind.
public final class RunWriter: Sendable {
    public let id: Int64
    public let directory: RecordsDirectory
    private let queue: WriteQueue
    private let owner: OwnerLock
    private let nextJob = Locked<Int64>(0)

    /// Creates the run's record, taking its owner lock in the same transaction: no reader ever
    /// sees the run `running` without a live owner.
    public static func start(_ run: NewRun, in directory: RecordsDirectory) throws -> RunWriter {
        try directory.create()
        let db = try Database(path: directory.database, create: true)
        try Schema.migrate(db)
        let now = Date().timeIntervalSince1970
        let (id, lock) = try db.transaction { db -> (Int64, OwnerLock) in
            try db.query("""
                INSERT INTO runs (project, compose_file, scenario_file, scenario_text, description, status, started_at,
                                  owner_pid, owner_host, detached, vars_start)
                VALUES (?, ?, ?, ?, ?, 'running', ?, ?, ?, ?, ?)
                """, [.text(run.project), .text(run.composeFile), .text(run.scenarioFile), .text(run.scenarioText),
                      .optional(run.description), .double(now), .int(Int64(getpid())), .text(ProcessInfo.processInfo.hostName),
                      .int(run.detached ? 1 : 0), .text(JSONText.encode(run.vars))])
            let id = db.lastInsertID
            for (k, v) in run.vars.sorted(by: { $0.key < $1.key }) {
                try db.query("INSERT INTO vars (run_id, name, value, job_id, at) VALUES (?, ?, ?, NULL, ?)",
                             [.int(id), .text(k), .text(v), .double(now)])
            }
            if run.detached {
                try db.query("UPDATE runs SET console_log = ? WHERE id = ?", [.text(directory.consoleLog(id)), .int(id)])
            }
            return (id, try OwnerLock(path: directory.ownerLock(id)))
        }
        return RunWriter(id: id, directory: directory, queue: WriteQueue(db: db), owner: lock)
    }

    private init(id: Int64, directory: RecordsDirectory, queue: WriteQueue, owner: OwnerLock) {
        self.id = id; self.directory = directory; self.queue = queue; self.owner = owner
    }

    public func stageStarted(_ index: Int, name: String, targets: Int) {
        let (id, now) = (self.id, Self.now)
        queue.add { db in
            try db.query("INSERT OR REPLACE INTO stages (run_id, idx, name, status, targets, started_at) VALUES (?, ?, ?, 'running', ?, ?)",
                         [.int(id), .int(Int64(index)), .text(name), .int(Int64(targets)), .double(now)])
        }
    }

    public func stageEnded(_ index: Int, status: RunStatus) {
        let (id, now) = (self.id, Self.now)
        queue.add { db in
            try db.query("UPDATE stages SET status = ?, ended_at = ? WHERE run_id = ? AND idx = ?",
                         [.text(status.rawValue), .double(now), .int(id), .int(Int64(index))])
        }
    }

    /// Records a job instance as running; returns its id in the run.
    public func jobStarted(_ job: NewJob) -> Int64 {
        let jobID = nextJob.withLock { $0 += 1; return $0 }
        let (id, now) = (self.id, Self.now)
        queue.add { db in
            try db.query("""
                INSERT INTO jobs (run_id, id, stage_idx, stage, job_idx, name, kind, target, target_kind, item_idx, item,
                                  detail, background, status, started_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'running', ?)
                """, [.int(id), .int(jobID), .int(Int64(job.stageIndex)), .text(job.stage), .int(Int64(job.jobIndex)),
                      .text(job.name), .text(job.kind), .text(job.target), .text(job.targetKind), .optional(job.itemIndex),
                      .optional(job.item), .text(job.detail), .int(job.background ? 1 : 0), .double(now)])
        }
        return jobID
    }

    public func jobEnded(_ jobID: Int64, status: JobStatus, exitStatus: Int32? = nil, error: String? = nil) {
        let (id, now) = (self.id, Self.now)
        queue.add { db in
            try db.query("UPDATE jobs SET status = ?, exit_status = ?, error = ?, ended_at = ? WHERE run_id = ? AND id = ?",
                         [.text(status.rawValue), .optional(exitStatus.map(Int.init)), .optional(error), .double(now),
                          .int(id), .int(jobID)])
        }
    }

    /// Output of a job (or, with no job, a line of the run's own).
    public func output(_ jobID: Int64?, _ stream: LogStream, _ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        let (id, now) = (self.id, Self.now)
        queue.add { db in
            try db.query("INSERT INTO logs (run_id, job_id, stream, at, data) VALUES (?, ?, ?, ?, ?)",
                         [.int(id), jobID.map(SQLValue.int) ?? .null, .int(Int64(stream.rawValue)), .double(now), .blob(bytes)])
        }
    }

    /// A line of the run's own (a stage started, a job failed), kept with the job output.
    public func event(_ line: String) { output(nil, .event, Array((line + "\n").utf8)) }

    public func sample(_ jobID: Int64, metric: String, value: Double, at: Double = Date().timeIntervalSince1970) {
        let id = self.id
        queue.add { db in
            try db.query("INSERT INTO samples (run_id, job_id, metric, value, at) VALUES (?, ?, ?, ?, ?)",
                         [.int(id), .int(jobID), .text(metric), .double(value), .double(at)])
        }
    }

    /// A var registered by a job.
    public func variable(_ name: String, _ value: String, jobID: Int64) {
        let (id, now) = (self.id, Self.now)
        queue.add { db in
            try db.query("INSERT INTO vars (run_id, name, value, job_id, at) VALUES (?, ?, ?, ?, ?)",
                         [.int(id), .text(name), .text(value), .int(jobID), .double(now)])
        }
    }

    /// The run's end: its status, and whether its processes are all gone from the targets.
    /// Waits until everything is on disk, then drops the owner lock.
    public func finish(_ status: RunStatus, exitCode: Int, error: String?, vars: [String: String], cleaned: Bool) async {
        let (id, now) = (self.id, Self.now)
        queue.add { db in
            try db.query("UPDATE runs SET status = ?, exit_code = ?, error = ?, ended_at = ?, vars_end = ?, cleaned = ? WHERE id = ?",
                         [.text(status.rawValue), .int(Int64(exitCode)), .optional(error), .double(now),
                          .text(JSONText.encode(vars)), .int(cleaned ? 1 : 0), .int(id)])
            try db.query("UPDATE stages SET status = 'interrupted', ended_at = ? WHERE run_id = ? AND status = 'running'",
                         [.double(now), .int(id)])
            try db.query("UPDATE jobs SET status = 'cancelled', ended_at = ? WHERE run_id = ? AND status = 'running'",
                         [.double(now), .int(id)])
        }
        await flush()
        owner.release()
    }

    /// Returns once every write made so far is committed.
    public func flush() async { await queue.flush() }

    /// The first write that failed (a full disk, say), if any: the run reports it at the end.
    public var writeError: TBError? { queue.firstError }

    static var now: Double { Date().timeIntervalSince1970 }
}

/// Writes in order, batched into transactions by one thread of its own.
final class WriteQueue: @unchecked Sendable {
    typealias Write = @Sendable (Database) throws -> Void
    private let db: Database
    private let cond = NSCondition()
    private var pending: [Write] = []
    private var flushed: [CheckedContinuation<Void, Never>] = []
    private var failure: TBError?

    init(db: Database) {
        self.db = db
        let t = Thread { [self] in loop() }
        t.name = "run-records"
        t.start()
    }

    func add(_ w: @escaping Write) {
        cond.lock()
        pending.append(w)
        cond.signal()
        cond.unlock()
    }

    func flush() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            cond.lock()
            flushed.append(c)
            cond.signal()
            cond.unlock()
        }
    }

    var firstError: TBError? { cond.lock(); defer { cond.unlock() }; return failure }

    /// Lives as long as the process: a run's record is written until the very end.
    private func loop() {
        while true {
            cond.lock()
            while pending.isEmpty && flushed.isEmpty { cond.wait() }
            // Let a burst of output gather into one transaction, unless someone waits.
            if flushed.isEmpty {
                cond.unlock()
                Thread.sleep(forTimeInterval: 0.05)
                cond.lock()
            }
            let batch = pending, waiters = flushed
            pending = []
            flushed = []
            cond.unlock()
            if !batch.isEmpty { commit(batch) }
            for w in waiters { w.resume() }
        }
    }

    private func commit(_ batch: [Write]) {
        do {
            try db.transaction { db in for w in batch { try w(db) } }
        } catch {
            cond.lock()
            if failure == nil { failure = error.asTBError(.io, "cannot write the run records") }
            cond.unlock()
        }
    }
}

enum JSONText {
    static func encode(_ vars: [String: String]) -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        return (try? enc.encode(vars)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    static func decode(_ text: String?) -> [String: String]? {
        guard let text else { return nil }
        return try? JSONDecoder().decode([String: String].self, from: Data(text.utf8))
    }
}

extension RunWriter {
    /// As if the process had died: the lock goes, the record stays `running`.
    func dropOwnerLockForTests() { owner.release() }
}
