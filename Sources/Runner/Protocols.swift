import Core
import Records
import Scenario

/// What the runner needs of a guest or testbed host, for the whole run: the real one is an
/// SSH session (through the guest's host for remote guests) or the master's own shell; tests
/// use a fake. Implementations stream output as it arrives and never kill on cancel: the
/// runner kills a job's processes itself (ProcessTags), since closing a channel does not.
public protocol TargetSession: Sendable {
    /// Runs a shell command line; `output` gets each chunk as it arrives. Returns the exit
    /// status (128 + N for a signal). Cancelling the task stops waiting and closes the channel.
    func exec(_ commandLine: String, output: @escaping @Sendable (LogStream, [UInt8]) -> Void) async throws -> Int32
    /// Copies a local file to `path` on the target (written whole or not at all).
    func upload(file: String, to path: String, mode: Int?) async throws
    /// Whether a TCP connection to address:port, made from the target, succeeds.
    func canConnect(to address: String, port: Int, timeout: Duration) async -> Bool
}

/// Sessions to the run's targets: opened on first use and kept for the whole run.
public protocol TargetAccess: Sendable {
    func session(for target: Target) async throws -> any TargetSession
    /// Wraps a job's command line for the target (a guest's `env` exported first).
    func prepare(_ commandLine: String, for target: Target) -> String
    func closeAll() async
}

/// The testbed operations a scenario can run, like the CLI commands of the same names. Each
/// reports progress lines through `log`.
public protocol TestbedOperations: Sendable {
    func snapshot(_ name: String, log: @escaping @Sendable (String) -> Void) async throws
    func restore(_ name: String, log: @escaping @Sendable (String) -> Void) async throws
    /// Sets the service's clones to `replicas`; returns when they are all reachable.
    func scale(_ service: String, to replicas: Int, log: @escaping @Sendable (String) -> Void) async throws
    /// A network condition, as `tbctl link`, `impair` or `partition` makes it; fails when a
    /// name does not resolve or a change could not be made.
    func change(_ change: NetworkChange<String>, log: @escaping @Sendable (String) -> Void) async throws
    /// The testbed as it is now (after a scale: the new clones' addresses).
    func facts() async throws -> Facts
}

/// Where a run is recorded (RunWriter, or a fake).
public protocol RunRecorder: Sendable {
    var id: Int64 { get }
    func stageStarted(_ index: Int, name: String, targets: Int)
    func stageEnded(_ index: Int, status: RunStatus)
    func jobStarted(_ job: NewJob) -> Int64
    func jobEnded(_ jobID: Int64, status: JobStatus, exitStatus: Int32?, error: String?)
    func output(_ jobID: Int64?, _ stream: LogStream, _ bytes: [UInt8])
    func event(_ line: String)
    func sample(_ jobID: Int64, metric: String, value: Double, at: Double)
    func variable(_ name: String, _ value: String, jobID: Int64)
}

extension RunWriter: RunRecorder {}

/// How many of a stage's targets are done, running and failed.
public struct StageCounts: Sendable, Equatable {
    public var total: Int
    public var done = 0
    public var running = 0
    public var failed = 0
    public init(total: Int, done: Int = 0, running: Int = 0, failed: Int = 0) {
        self.total = total; self.done = done; self.running = running; self.failed = failed
    }
}

/// What a person watching the run sees (the CLI draws it); every method has a default that
/// does nothing.
public protocol RunEvents: Sendable {
    func stageStarted(_ stage: PlannedStage)
    func stageProgress(_ index: Int, _ counts: StageCounts)
    func stageEnded(_ index: Int, _ status: RunStatus, _ counts: StageCounts)
    func output(target: String, job: String, _ stream: LogStream, _ bytes: [UInt8])
    func jobEnded(target: String, job: String, item: String?, status: JobStatus, message: String?)
    func line(_ text: String)
}

extension RunEvents {
    public func stageStarted(_ stage: PlannedStage) {}
    public func stageProgress(_ index: Int, _ counts: StageCounts) {}
    public func stageEnded(_ index: Int, _ status: RunStatus, _ counts: StageCounts) {}
    public func output(target: String, job: String, _ stream: LogStream, _ bytes: [UInt8]) {}
    public func jobEnded(target: String, job: String, item: String?, status: JobStatus, message: String?) {}
    public func line(_ text: String) {}
}
