import Metrics

/// The run records the server reads and the runs it starts and stops: consumed from the
/// scenario layer (Records + Runner, issue 17). tbctl wires their `RunRecords` and `tbctl run`
/// into this; tests use a fake. The views are the API's JSON.
public protocol RunSource: Sendable {
    /// Newest first.
    func runs() async throws -> [RunView]
    func run(_ id: Int64) async throws -> RunDetailView?
    /// Log lines after the cursor `after` (a line's `id`), optionally of one guest and/or job.
    func logs(_ id: Int64, guest: String?, job: String?, after: Int64) async throws -> [LogLineView]
    /// The same lines, then every new one as the run writes it; ends when the run has ended
    /// and everything was sent.
    func follow(_ id: Int64, guest: String?, job: String?, after: Int64) -> AsyncThrowingStream<LogLineView, any Error>
    /// Runs, jobs and scenario samples as metric facts (recent runs only).
    func facts() async throws -> TestbedFacts
    /// Starts a run of a scenario file (a path relative to the project folder, or absolute)
    /// the way `tbctl run` does; returns its id once it is recorded. Throws TBError
    /// `.invalidInput` (file:line:column) for a scenario that does not check.
    func start(scenario: String, vars: [String: String]) async throws -> Int64
    /// Stops a running run as `tbctl runs stop` does. Throws `.notFound` / `.conflict`-like
    /// TBErrors for an unknown or finished run.
    func cancel(_ id: Int64) async throws
    /// Keeps the charts of a finished run with its record (frozen), and reads them back.
    func saveCharts(_ id: Int64, _ charts: ChartsView) async throws
    func charts(_ id: Int64) async throws -> ChartsView?
}

public struct RunView: Codable, Sendable, Equatable {
    public var id: Int64
    public var scenario: String
    public var description: String?
    /// running, passed, failed, interrupted.
    public var status: String
    public var startedAt: Double
    public var endedAt: Double?
    public var exitCode: Int?
    public var error: String?
    public init(id: Int64, scenario: String, description: String?, status: String, startedAt: Double, endedAt: Double?,
                exitCode: Int?, error: String?) {
        self.id = id; self.scenario = scenario; self.description = description; self.status = status
        self.startedAt = startedAt; self.endedAt = endedAt; self.exitCode = exitCode; self.error = error
    }
    public var isFinished: Bool { status != "running" }
}

public struct RunDetailView: Codable, Sendable, Equatable {
    public struct Stage: Codable, Sendable, Equatable {
        public var name: String
        public var status: String
        public var startedAt: Double
        public var endedAt: Double?
        public init(name: String, status: String, startedAt: Double, endedAt: Double?) {
            self.name = name; self.status = status; self.startedAt = startedAt; self.endedAt = endedAt
        }
    }
    public struct Job: Codable, Sendable, Equatable {
        public var id: Int64
        public var stage: String
        public var name: String
        public var kind: String
        /// The guest (or host) it ran on.
        public var guest: String
        public var status: String
        public var exitStatus: Int?
        public var error: String?
        public var startedAt: Double
        public var endedAt: Double?
        public init(id: Int64, stage: String, name: String, kind: String, guest: String, status: String, exitStatus: Int?,
                    error: String?, startedAt: Double, endedAt: Double?) {
            self.id = id; self.stage = stage; self.name = name; self.kind = kind; self.guest = guest; self.status = status
            self.exitStatus = exitStatus; self.error = error; self.startedAt = startedAt; self.endedAt = endedAt
        }
    }
    public struct Metric: Codable, Sendable, Equatable {
        public var metric: String
        public var guest: String
        public var job: String
        public var count: Int
        public var min: Double
        public var max: Double
        public var mean: Double
        public var last: Double
        public init(metric: String, guest: String, job: String, count: Int, min: Double, max: Double, mean: Double, last: Double) {
            self.metric = metric; self.guest = guest; self.job = job; self.count = count; self.min = min; self.max = max
            self.mean = mean; self.last = last
        }
    }
    public var run: RunView
    public var stages: [Stage]
    public var jobs: [Job]
    public var metrics: [Metric]
    /// The guests' charts while the run went on, kept with the record once it ended; live
    /// history from the server while it goes on; nil when the server was not sampling then.
    public var charts: ChartsView?
    public init(run: RunView, stages: [Stage], jobs: [Job], metrics: [Metric], charts: ChartsView?) {
        self.run = run; self.stages = stages; self.jobs = jobs; self.metrics = metrics; self.charts = charts
    }
}

public struct LogLineView: Codable, Sendable, Equatable {
    /// The cursor: ask for lines `after` it.
    public var id: Int64
    public var at: Double
    public var guest: String?
    public var job: String?
    /// stdout, stderr or event (the run's own lines).
    public var stream: String
    public var text: String
    public init(id: Int64, at: Double, guest: String?, job: String?, stream: String, text: String) {
        self.id = id; self.at = at; self.guest = guest; self.job = job; self.stream = stream; self.text = text
    }
}
