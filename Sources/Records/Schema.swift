/// The run records' tables (docs/experiments.md#run-records documents them for readers such
/// as the metrics exporter and the dashboard). Times are Unix seconds (REAL). Bump `version`
/// and add a step to `migrations` on any change.
enum Schema {
    static let version = 1

    static let migrations: [Int: String] = [1: """
        CREATE TABLE IF NOT EXISTS runs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            project TEXT NOT NULL,
            compose_file TEXT NOT NULL,
            scenario_file TEXT NOT NULL,      -- absolute path
            scenario_text TEXT NOT NULL,      -- the file as it was when the run started
            description TEXT,
            status TEXT NOT NULL,             -- running | passed | failed | interrupted
            exit_code INTEGER,
            error TEXT,                       -- why the run failed or stopped, for people
            started_at REAL NOT NULL,
            ended_at REAL,
            owner_pid INTEGER NOT NULL,       -- the tbctl process that runs it
            owner_host TEXT NOT NULL,
            detached INTEGER NOT NULL DEFAULT 0,
            console_log TEXT,                 -- a detached run's own output
            vars_start TEXT NOT NULL,         -- JSON object
            vars_end TEXT,                    -- JSON object
            cleaned INTEGER NOT NULL DEFAULT 0 -- 1 once no process of the run is left on any target
        );
        CREATE TABLE IF NOT EXISTS stages (
            run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            idx INTEGER NOT NULL,
            name TEXT NOT NULL,
            status TEXT NOT NULL,             -- running | passed | failed | interrupted
            targets INTEGER NOT NULL,
            started_at REAL NOT NULL,
            ended_at REAL,
            PRIMARY KEY (run_id, idx)
        );
        CREATE TABLE IF NOT EXISTS jobs (
            run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            id INTEGER NOT NULL,              -- 1, 2, ... in the order jobs started
            stage_idx INTEGER NOT NULL,
            stage TEXT NOT NULL,
            job_idx INTEGER NOT NULL,
            name TEXT NOT NULL,
            kind TEXT NOT NULL,               -- run | copy | wait | sleep | snapshot | restore | scale
            target TEXT NOT NULL,             -- guest or host name; '' for testbed operations
            target_kind TEXT NOT NULL,        -- guest | host | testbed
            item_idx INTEGER,
            item TEXT,
            detail TEXT NOT NULL,             -- the command or operation, values filled in
            background INTEGER NOT NULL DEFAULT 0,
            status TEXT NOT NULL,             -- running | passed | failed | ignored | cancelled | stopped
            exit_status INTEGER,
            error TEXT,
            started_at REAL NOT NULL,
            ended_at REAL,
            PRIMARY KEY (run_id, id)
        );
        CREATE INDEX IF NOT EXISTS jobs_by_target ON jobs(run_id, target);
        CREATE TABLE IF NOT EXISTS logs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,  -- the follow cursor
            run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            job_id INTEGER,                   -- NULL: the run's own lines (stages, failures)
            stream INTEGER NOT NULL,          -- 0 run event, 1 stdout, 2 stderr
            at REAL NOT NULL,
            data BLOB NOT NULL
        );
        CREATE INDEX IF NOT EXISTS logs_by_run ON logs(run_id, id);
        CREATE TABLE IF NOT EXISTS samples (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            job_id INTEGER NOT NULL,
            metric TEXT NOT NULL,
            value REAL NOT NULL,
            at REAL NOT NULL
        );
        CREATE INDEX IF NOT EXISTS samples_by_run ON samples(run_id, metric);
        CREATE TABLE IF NOT EXISTS vars (
            run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            value TEXT NOT NULL,
            job_id INTEGER,                   -- NULL: set at the start
            at REAL NOT NULL
        );
        """]

    static func migrate(_ db: Database) throws {
        let current = Int(try db.query("PRAGMA user_version").first?.int(0) ?? 0)
        guard current < version else { return }
        try db.transaction { db in
            for v in (current + 1)...version {
                if let sql = migrations[v] { try db.execute(sql) }
            }
            try db.execute("PRAGMA user_version = \(version)")
        }
    }
}
