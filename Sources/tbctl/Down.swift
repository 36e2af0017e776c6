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

            --project NAME removes testbed NAME (exactly that name) without its compose file, \
            from what the hosts recorded: on this machine, every --host and the hosts its \
            record names (docs/fleet.md).
            """)

    @OptionGroup var options: ProjectOptions
    @OptionGroup var verbosity: VerboseOption
    @OptionGroup var output: OutputOptions
    @Flag(help: "Also remove base and golden images and the storage pool.") var purge = false
    @Option(help: ArgumentHelp("Remove this testbed, by its exact name, from the hosts' records instead of the compose file's.",
                               valueName: "name"))
    var project: String?
    @OptionGroup var hostOptions: FleetHostOptions

    func validate() throws {
        if project == nil && !hostOptions.extra.isEmpty { throw ValidationError("--host is only for --project (the compose file names its hosts)") }
    }

    func run() async throws {
        if let project { return try await down(project: project) }
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

    private func down(project name: String) async throws {
        let fleet = hostOptions.fleet
        let results = await fleet.survey(hostOptions.surveyed(compose: nil))
        let report = ApplyReport()
        try await output.reporting({
            try await ProjectRemoval.down(name, results: results, connector: fleet.connector, purge: purge,
                                          progress: output.progress(verbose: verbosity.verbose), report: report)
        }, { ok, seconds in DownDocument(project: name, ok: ok, purged: purge, seconds: seconds, hosts: report.hosts) })
    }
}
