import Core
/// A scenario laid over a testbed: each stage with the targets it selected. Job values are
/// still templates: vars may be registered while the run goes on, so they are filled in when
/// each job starts (Render).
public struct RunPlan: Sendable {
    public var scenario: Scenario
    /// Vars at the start: the scenario's, overridden by `--var`.
    public var vars: [String: String]
    public var stages: [PlannedStage]

    public init(scenario: Scenario, vars: [String: String], stages: [PlannedStage]) {
        self.scenario = scenario; self.vars = vars; self.stages = stages
    }
}

public struct PlannedStage: Sendable {
    public var stage: Stage
    /// Empty for a testbed stage (its jobs run once).
    public var targets: [Target]
    public init(stage: Stage, targets: [Target]) { self.stage = stage; self.targets = targets }
    public var isTestbedStage: Bool { stage.selector == nil }
}

/// A guest or a testbed host a stage runs its jobs on.
public struct Target: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, Codable { case guest, host }
    public var kind: Kind
    public var name: String
    /// The selector's captures of the name: "0" (all of it), "1", ... and named groups.
    public var captures: [String: String]

    public init(kind: Kind, name: String, captures: [String: String] = [:]) {
        self.kind = kind; self.name = name; self.captures = captures
    }

    public static func guest(_ name: String) -> Target { Target(kind: .guest, name: name) }
    public static func host(_ name: String) -> Target { Target(kind: .host, name: name) }
    public var description: String { kind == .guest ? name : "host \(name)" }
}
