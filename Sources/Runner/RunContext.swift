import Core
import Foundation
import Records
import Scenario

/// How a run behaves beyond what the scenario says.
public struct RunnerOptions: Sendable {
    /// At most this many targets of a stage at a time.
    public var parallel: Int
    /// How long processes get after TERM before KILL when the run stops them.
    public var killGrace: Duration
    /// How long stopping the run's processes may take per target.
    public var cleanupTimeout: Duration
    public init(parallel: Int = 32, killGrace: Duration = .seconds(2), cleanupTimeout: Duration = .seconds(30)) {
        self.parallel = max(1, parallel); self.killGrace = killGrace; self.cleanupTimeout = cleanupTimeout
    }
}

/// The shared vars: a job reads a copy when it starts, and writes what it registers when it
/// finishes, so concurrent jobs never see a value change under them.
final class Vars: Sendable {
    private let values: Locked<[String: String]>
    init(_ start: [String: String]) { values = Locked(start) }
    var snapshot: [String: String] { values.current }
    func set(_ name: String, _ value: String) { values.withLock { $0[name] = value } }
}

/// Everything the parts of one run share.
final class RunContext: Sendable {
    let plan: Locked<RunPlan>
    let facts: Locked<Facts>
    let vars: Vars
    let access: any TargetAccess
    let testbed: any TestbedOperations
    let record: any RunRecorder
    let events: any RunEvents
    let options: RunnerOptions
    let tags: ProcessTags
    let background = BackgroundJobs()
    /// Targets a command ran on: where the run may have left processes.
    let touched = Locked<[Target]>([])
    /// Set once the run stops its processes: background jobs ending then were stopped, not failed.
    let stopping = Locked(false)
    let archives = Archives()

    init(plan: RunPlan, facts: Facts, access: any TargetAccess, testbed: any TestbedOperations,
         record: any RunRecorder, events: any RunEvents, options: RunnerOptions) {
        self.plan = Locked(plan); self.facts = Locked(facts); self.vars = Vars(plan.vars); self.access = access
        self.testbed = testbed; self.record = record; self.events = events; self.options = options
        self.tags = ProcessTags(project: facts.project, run: record.id)
    }

    var runID: String { String(record.id) }

    /// The session of a target, remembered as touched first: even a command whose session
    /// broke halfway may have started processes there.
    func session(_ target: Target) async throws -> any TargetSession {
        touched.withLock { if !$0.contains(target) { $0.append(target) } }
        return try await access.session(for: target)
    }

    func renderContext(_ stage: Stage, target: Target?, item: RenderedItem? = nil, vars: [String: String]) -> RenderContext {
        RenderContext(vars: vars, item: item, target: target, facts: facts.current, runID: runID, stage: stage.name)
    }
}
