import Core
import YAML

/// A scenario file, read and checked on its own (no testbed needed): `tbctl run FILE`.
public struct Scenario: Sendable {
    /// The file as the user named it (marks use this name) and its text, kept in the run record.
    public var file: String
    public var text: String
    /// The folder relative `copy` sources are resolved against (absolute).
    public var folder: String
    public var vars: [Variable]
    public var stages: [Stage]

    public init(file: String, text: String, folder: String, vars: [Variable], stages: [Stage]) {
        self.file = file; self.text = text; self.folder = folder; self.vars = vars; self.stages = stages
    }
}

/// `vars: {requests: 1000}`: a value every job can read as `{{ vars.requests }}`.
public struct Variable: Sendable, Equatable {
    public var name: String
    public var value: String
    public var mark: Mark
    public init(name: String, value: String, mark: Mark) { self.name = name; self.value = value; self.mark = mark }
}

/// A step of the scenario: jobs on the guests (or hosts) it selects. Stages run one after
/// another; a stage's targets run concurrently or one after another (`mode`); each target runs
/// the stage's jobs in order.
public struct Stage: Sendable {
    public enum Mode: String, Sendable { case concurrent, sequential }

    public var index: Int
    public var name: String
    public var mark: Mark
    /// nil: a testbed stage (snapshot, restore, scale, sleep), run once.
    public var selector: Selector?
    public var mode: Mode
    /// How many targets may fail (absolute, or percent of the selected ones) before the stage
    /// fails; both default to none.
    public var maxFail: Int?
    public var maxFailPercent: Double?
    public var jobs: [Job]

    public init(index: Int, name: String, mark: Mark, selector: Selector?, mode: Mode, maxFail: Int?,
                maxFailPercent: Double?, jobs: [Job]) {
        self.index = index; self.name = name; self.mark = mark; self.selector = selector; self.mode = mode
        self.maxFail = maxFail; self.maxFailPercent = maxFailPercent; self.jobs = jobs
    }
}

/// Which guests or hosts a stage runs on.
public enum Selector: Sendable {
    /// `on: 'web-(\d+)'`: guests whose whole name matches; captures are `{{ match.N }}`.
    case pattern(Located<String>)
    /// `service: web` (or a list): every clone of the services.
    case services([Located<String>])
    /// `guests: [a, b]`
    case guests([Located<String>])
    /// `all: true`: every guest.
    case all(Mark)
    /// `hosts: [main, rack2]` or `hosts: all`: the testbed hosts themselves.
    case hosts([Located<String>]?, Mark)

    public var targetsHosts: Bool { if case .hosts = self { return true } else { return false } }
}

/// A value with the place it was written.
public struct Located<T: Sendable & Equatable>: Sendable, Equatable {
    public var value: T
    public var mark: Mark
    public init(_ value: T, _ mark: Mark) { self.value = value; self.mark = mark }
}

/// One job of a stage, as written: what it does and the rules around it.
public struct Job: Sendable {
    public var index: Int
    /// `name:` or a name made from the kind and index (`run-2`), unique in the stage.
    public var name: String
    public var mark: Mark
    public var action: JobAction
    /// `with_items`: the job runs once per item (one after another unless `concurrent`).
    public var items: [Item]?
    public var itemsConcurrent: Bool
    /// `register: x`: the trimmed stdout goes to `vars.x` when the job succeeds.
    public var register: Located<String>?
    public var ignoreErrors: Bool
    /// `metrics: {rps: 'Requests/s: ([0-9.]+)'}`: samples from each stdout line.
    public var metrics: [Metric]
    /// A foreground `run` or `wait` taking longer fails (and its processes are killed).
    public var timeout: Duration?

    public init(index: Int, name: String, mark: Mark, action: JobAction, items: [Item]? = nil,
                itemsConcurrent: Bool = false, register: Located<String>? = nil, ignoreErrors: Bool = false,
                metrics: [Metric] = [], timeout: Duration? = nil) {
        self.index = index; self.name = name; self.mark = mark; self.action = action; self.items = items
        self.itemsConcurrent = itemsConcurrent; self.register = register; self.ignoreErrors = ignoreErrors
        self.metrics = metrics; self.timeout = timeout
    }
}

/// One `with_items` entry: a value (`{{ item }}`) or a mapping of values (`{{ item.size }}`).
public enum Item: Sendable {
    case value(Template)
    case fields([String: Template], Mark)

    public var mark: Mark {
        switch self {
        case .value(let t): return t.mark
        case .fields(_, let m): return m
        }
    }
}

public struct Metric: Sendable, Equatable {
    public var name: String
    /// A regular expression with one capture group: the sample's value.
    public var pattern: String
    public var mark: Mark
    public init(name: String, pattern: String, mark: Mark) { self.name = name; self.pattern = pattern; self.mark = mark }
}

/// What a job does. Guest and host jobs run on each selected target; testbed operations run
/// once, in a stage without a selector. A new kind is a case here, its decoder in JobKinds and
/// its execution in the runner.
public enum JobAction: Sendable {
    case run(command: Template, background: Bool)
    case copy(source: Template, destination: Template, mode: Int?)
    case wait(Wait)
    case sleep(Duration)
    case testbed(TestbedOperation)

    /// The key that names the kind in the file.
    public var kind: String {
        switch self {
        case .run: return "run"
        case .copy: return "copy"
        case .wait: return "wait"
        case .sleep: return "sleep"
        case .testbed(let op): return op.kind
        }
    }

    public var isTestbedOperation: Bool { if case .testbed = self { return true } else { return false } }
    /// `sleep` needs no target: it may stand in a testbed stage too.
    public var runsAnywhere: Bool { if case .sleep = self { return true } else { return false } }
    public var isBackground: Bool { if case .run(_, true) = self { return true } else { return false } }
}

/// `wait`: until a condition holds on the target, at most `timeout`.
public struct Wait: Sendable {
    public enum Condition: Sendable {
        /// A TCP connection to the port succeeds, made from the target (default address 127.0.0.1).
        case port(Template, address: Template?)
        /// The command exits 0. Ports and commands are tried every `interval`.
        case command(Template)
        /// A line of the target's background job `job` matches `pattern` (also lines it printed
        /// before the wait began).
        case log(pattern: Located<String>, job: Located<String>)
    }

    public var condition: Condition
    public var timeout: Duration
    public var interval: Duration

    public init(condition: Condition, timeout: Duration, interval: Duration) {
        self.condition = condition; self.timeout = timeout; self.interval = interval
    }
}

/// Operations on the testbed itself, like the CLI commands of the same names.
public enum TestbedOperation: Sendable {
    /// `snapshot: NAME`: a testbed snapshot (`tbctl snapshot create NAME`).
    case snapshot(Template)
    /// `restore: NAME`
    case restore(Template)
    /// `scale: {service: web, replicas: 8, batch: 2, interval: 10s}`: clones added (or removed)
    /// `batch` at a time, each batch reachable over SSH before the next, `interval` between.
    case scale(Scale)
    /// `link`, `impair`, `partition`: the network conditions (NetworkChange).
    case network(NetworkChange<Template>)

    public var kind: String {
        switch self {
        case .snapshot: return "snapshot"
        case .restore: return "restore"
        case .scale: return "scale"
        case .network(let c): return c.kind
        }
    }
}

public struct Scale: Sendable, Equatable {
    public var service: Located<String>
    public var replicas: Int
    public var batch: Int?
    public var interval: Duration
    public init(service: Located<String>, replicas: Int, batch: Int?, interval: Duration) {
        self.service = service; self.replicas = replicas; self.batch = batch; self.interval = interval
    }
}
