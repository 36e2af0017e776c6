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

            A running guest whose definition changed (memory, CPUs, NICs) is redefined but keeps \
            running on the old definition until it next powers off; `up` says so. With \
            --restart-changed such guests are shut down (ACPI, powered off after 90 s) and \
            started again; their disks, and so their setup, stay.
            """)

    @OptionGroup var options: ProjectOptions
    @Flag(help: "Run every guest's setup script again, even where it already ran.") var rerunSetup = false
    @Flag(help: "Restart the running guests whose definition changed, so that they run on the new one.")
    var restartChanged = false

    func run() async throws {
        let project = Project(composeFile: options.file)
        let lock = try project.lock(for: "up")
        defer { withExtendedLifetime(lock) {} }
        let state = try project.currentState()
        var provisioner = Provisioner(state: state, workspace: project.workspace,
                                      progress: Progress(verbose: options.verbose), connector: project.workspace.liveHosts)
        provisioner.rerunSetup = rerunSetup
        provisioner.restartChanged = restartChanged
        try await Interrupt.cancellingOnSignal { [provisioner] in try await provisioner.upLocked() }
    }
}
