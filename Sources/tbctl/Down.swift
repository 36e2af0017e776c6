import Apply
import ArgumentParser
import Project
import TestbedState
import Workspace

struct Down: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove the testbed's guests, disks, seeds, networks and bridges from every host.",
        discussion: """
            Base and golden images stay in each host's pool as a cache for the next `up`; --purge \
            removes them and the pool too. Every part is tried on every host even when another \
            fails; -v names each part as it goes. --format json prints each host's result.
            """)

    @OptionGroup var options: ProjectOptions
    @OptionGroup var verbosity: VerboseOption
    @OptionGroup var output: OutputOptions
    @Flag(help: "Also remove base and golden images and the storage pool.") var purge = false

    func run() async throws {
        let project = Project(composeFile: options.file)
        let state = try TestbedState.load(from: project.workspace.stateFile)
        var provisioner = Provisioner(state: state, workspace: project.workspace, progress: output.progress(verbose: verbosity.verbose),
                                      connector: project.workspace.liveHosts)
        let report = ApplyReport()
        provisioner.report = report
        try await output.reporting({
            try await Interrupt.cancellingOnSignal { [provisioner] in try await provisioner.down(purge: purge) }
        }, { ok, seconds in DownDocument(project: state.project, ok: ok, purged: purge, seconds: seconds, hosts: report.hosts) })
    }
}
