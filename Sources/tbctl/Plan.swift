import Apply
import ArgumentParser
import Core
import Plan
import Project
import Workspace

struct Plan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what `up` would create, change or remove, without changing anything.",
        discussion: "Marks: + create, ~ change or start, - remove. Exit 0 whether or not there are changes (a host that does not answer is reported, not an error).")

    @OptionGroup var options: ProjectOptions
    @OptionGroup var output: OutputOptions
    @Flag(help: "Plan to run every setup script again.") var rerunSetup = false
    @Flag(help: "Plan to restart the running guests whose definition changed.") var restartChanged = false

    /// `tbctl plan --format json` (docs/cli.md).
    struct Document: Encodable {
        struct StagePlan: Encodable { var stage: String; var actions: [Action] }
        struct Unreachable: Encodable { var host: String; var error: TBError }
        var project: String
        var changes: Bool
        var actionCount: Int
        var stages: [StagePlan]
        var unreachableHosts: [Unreachable]
        var notes: [String]
    }

    func run() async throws {
        let project = Project(composeFile: options.file)
        let state = try project.stateForReading("plan")
        var provisioner = Provisioner(state: state, workspace: project.workspace, progress: Progress(verbose: false, tty: false),
                                      connector: project.workspace.liveHosts)
        provisioner.rerunSetup = rerunSetup
        provisioner.restartChanged = restartChanged
        let (stages, unreachable, notes) = try await provisioner.plan()
        let count = stages.map(\.actions.count).reduce(0, +)
        let doc = Document(project: state.project, changes: count > 0, actionCount: count,
                           stages: stages.map { .init(stage: $0.kind.rawValue, actions: $0.actions) },
                           unreachableHosts: unreachable.sorted { $0.key < $1.key }.map { .init(host: $0.key, error: $0.value) },
                           notes: notes)
        try output.emit(doc) { print(Self.text(doc)) }
    }

    static func text(_ doc: Document) -> String {
        var lines = doc.unreachableHosts.map { "! host \($0.host) unreachable: \($0.error.message)" }
        if doc.stages.isEmpty {
            lines.append("no changes: the testbed matches the state")
        } else {
            for stage in doc.stages {
                lines.append("\(stage.stage):")
                lines += stage.actions.map { "  \($0.mark) \($0.summary)" }
            }
            lines.append(plural(doc.actionCount, "action"))
        }
        return (lines + doc.notes.map { "note: " + $0 }).joined(separator: "\n")
    }
}
