/// What tbctl knows besides libvirt's statistics: its snapshots and its runs. The families
/// `tbctl_snapshot*`, `tbctl_run*`, `tbctl_job*` and `tbctl_scenario_sample` are built from it.
public struct TestbedFacts: Sendable {
    public struct Snapshot: Sendable {
        public var name: String
        public var kind: String
        /// Seconds since the epoch.
        public var created: Double?
        public var guests: Int
        public init(name: String, kind: String, created: Double?, guests: Int) {
            self.name = name; self.kind = kind; self.created = created; self.guests = guests
        }
    }

    public struct Run: Sendable {
        public var id: String
        public var scenario: String
        /// running, succeeded, failed, interrupted (the run record's words).
        public var status: String
        /// Seconds: until now for a run that goes on.
        public var duration: Double?
        public init(id: String, scenario: String, status: String, duration: Double?) {
            self.id = id; self.scenario = scenario; self.status = status; self.duration = duration
        }
    }

    public struct Job: Sendable {
        public var run: String
        public var stage: String
        public var job: String
        public var guest: String
        public var status: String
        public var duration: Double?
        public init(run: String, stage: String, job: String, guest: String, status: String, duration: Double?) {
            self.run = run; self.stage = stage; self.job = job; self.guest = guest; self.status = status; self.duration = duration
        }
    }

    /// A value a scenario's `metrics:` pattern took from a job's output (the latest one per
    /// run, metric, job and guest).
    public struct Sample: Sendable {
        public var run: String
        public var scenario: String
        public var metric: String
        public var job: String
        public var guest: String
        public var value: Double
        public init(run: String, scenario: String, metric: String, job: String, guest: String, value: Double) {
            self.run = run; self.scenario = scenario; self.metric = metric; self.job = job; self.guest = guest; self.value = value
        }
    }

    public var snapshots: [Snapshot]
    public var runs: [Run]
    public var jobs: [Job]
    public var samples: [Sample]

    public init(snapshots: [Snapshot] = [], runs: [Run] = [], jobs: [Job] = [], samples: [Sample] = []) {
        self.snapshots = snapshots; self.runs = runs; self.jobs = jobs; self.samples = samples
    }
}
