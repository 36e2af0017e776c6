import Apply
import ArgumentParser
import Project

struct Up: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make the hosts match the testbed (idempotent: run again to converge).",
        discussion: """
            Recompiles testbed.yaml when it changed, then per stage, concurrently: storage pools, \
            management networks and OVS bridges, base images, golden images, linked clones and \
            seeds, domains, then waits for SSH on each guest and runs its setup script once. \
            Ctrl-C stops cleanly; the next `up` finishes the job.
            """)

    @OptionGroup var options: ProjectOptions
    @Flag(help: "Run every guest's setup script again, even where it already ran.") var rerunSetup = false

    func run() async throws {
        let project = Project(composeFile: options.file)
        let state = try project.currentState()
        let provisioner = Provisioner(state: state, workspace: project.workspace, progress: Progress(verbose: options.verbose))
        try await Interrupt.cancellingOnSignal { try await provisioner.up(rerunSetup: rerunSetup) }
    }
}
