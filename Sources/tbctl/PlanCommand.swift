import Apply
import ArgumentParser
import Plan
import Project

struct Plan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what `up` would create, change or remove, without changing anything.",
        discussion: "Marks: + create, ~ change or start, - remove. Exit 0 whether or not there are changes.")

    @OptionGroup var options: ProjectOptions
    @Flag(help: "Plan to run every setup script again.") var rerunSetup = false

    func run() async throws {
        let project = Project(composeFile: options.file)
        let state = try project.currentState()
        let provisioner = Provisioner(state: state, workspace: project.workspace, progress: Progress(verbose: options.verbose, tty: false))
        let (stages, unreachable) = try await provisioner.plan(rerunSetup: rerunSetup)
        for (host, e) in unreachable.sorted(by: { $0.key < $1.key }) { print("! host \(host) unreachable: \(e.message)") }
        if stages.isEmpty { print("no changes: the testbed matches the state"); return }
        for stage in stages {
            print("\(stage.kind.rawValue):")
            for a in stage.actions { print("  \(a.mark) \(a.summary)") }
        }
        print("\(stages.map(\.actions.count).reduce(0, +)) actions")
    }
}
