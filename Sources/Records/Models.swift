import Foundation

/// How a run ended, or that it is still going.
public enum RunStatus: String, Sendable, Codable {
    case running, passed, failed, interrupted
    public var isFinal: Bool { self != .running }
}

/// How one job instance (a job on one target, for one item) ended.
public enum JobStatus: String, Sendable, Codable {
    case running
    case passed
    case failed
    /// Failed, with `ignore_errors`.
    case ignored
    /// Stopped before it finished: the run was interrupted or its stage failed.
    case cancelled
    /// A background job stopped by tbctl when the run ended, as planned.
    case stopped

    public var countsAsFailure: Bool { self == .failed }
}

/// Which output a log entry is.
public enum LogStream: Int, Sendable, Codable {
    /// The run's own lines: stage starts and ends, failures.
    case event = 0
    case stdout = 1
    case stderr = 2
}

/// A run as `tbctl runs` lists it.
public struct RunSummary: Sendable, Codable, Equatable {
    public var id: Int64
    public var project: String
    public var scenarioFile: String
    public var description: String?
    /// `running` only while its tbctl process lives: a run whose process died (kill -9,
    /// a crash, a reboot) reads `interrupted`.
    public var status: RunStatus
    public var startedAt: Double
    public var endedAt: Double?
    public var exitCode: Int?
    public var error: String?
    public var ownerPID: Int
    public var ownerHost: String
    public var detached: Bool
    public var consoleLog: String?
    /// Its processes on the targets are all gone (false for a run killed before it could stop them).
    public var cleaned: Bool
    /// Recorded as running, but its process is gone.
    public var ownerDied: Bool
}

public struct StageRecord: Sendable, Codable, Equatable {
    public var index: Int
    public var name: String
    public var status: RunStatus
    public var targets: Int
    public var startedAt: Double
    public var endedAt: Double?
}

public struct JobRecord: Sendable, Codable, Equatable {
    public var id: Int64
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
    public var status: JobStatus
    public var exitStatus: Int?
    public var error: String?
    public var startedAt: Double
    public var endedAt: Double?
}

/// A run with everything recorded about it.
public struct RunDetail: Sendable, Codable {
    public var run: RunSummary
    public var scenarioText: String
    public var varsStart: [String: String]
    public var varsEnd: [String: String]?
    public var stages: [StageRecord]
    public var jobs: [JobRecord]
    public var metrics: [MetricSummary]
}

/// One piece of output, in the order it was recorded. `id` is the cursor for following.
public struct LogEntry: Sendable, Codable, Equatable {
    public var id: Int64
    public var jobID: Int64?
    public var stream: LogStream
    public var at: Double
    public var data: [UInt8]
    public var text: String { String(decoding: data, as: UTF8.self) }
}

public struct Sample: Sendable, Codable, Equatable {
    public var jobID: Int64
    public var metric: String
    public var value: Double
    public var at: Double
    public var target: String
    public var job: String
}

/// A metric's samples on one target, summed up.
public struct MetricSummary: Sendable, Codable, Equatable {
    public var metric: String
    public var target: String
    public var job: String
    public var count: Int
    public var min: Double
    public var max: Double
    public var mean: Double
    public var last: Double
}

/// Which log entries to read.
public struct LogFilter: Sendable {
    public var target: String?
    public var job: String?
    /// With the run's own event lines (only when no target or job is asked for).
    public var events: Bool
    public init(target: String? = nil, job: String? = nil, events: Bool = true) {
        self.target = target; self.job = job; self.events = events
    }
}
