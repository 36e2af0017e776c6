import Apply
import Core
import ArgumentParser
import Plan
import Project

struct Plan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what `up` would create, change or remove, without changing anything.",
        discussion: "Marks: + create, ~ change or start, - remove. Exit 0 whether or not there are changes.")

    @OptionGroup var options: ProjectOptions
    @Flag(help: "Plan to run every setup script again.") var rerunSetup = false
    @Flag(help: "Plan to restart the running guests whose definition changed.") var restartChanged = false

    func run() async throws {
        let project = Project(composeFile: options.file)
        let state = try project.stateForReading("plan")
        var provisioner = Provisioner(state: state, workspace: project.workspace,
                                      progress: Progress(verbose: options.verbose, tty: false), connector: project.workspace.liveHosts)
        provisioner.rerunSetup = rerunSetup
        provisioner.restartChanged = restartChanged
        let (stages, unreachable, notes) = try await provisioner.plan()
        for (host, e) in unreachable.sorted(by: { $0.key < $1.key }) { print("! host \(host) unreachable: \(e.message)") }
        defer { for n in notes { print("note: " + n) } }
        if stages.isEmpty { print("no changes: the testbed matches the state"); return }
        for stage in stages {
            print("\(stage.kind.rawValue):")
            for a in stage.actions { print("  \(a.mark) \(a.summary)") }
        }
        print(plural(stages.map(\.actions.count).reduce(0, +), "action"))
    }
}
