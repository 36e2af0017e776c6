import Apply
import ArgumentParser
import Project
import TestbedState
import Workspace

struct Down: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove the testbed's guests, disks, seeds, networks and bridges from every host.",
        discussion: "Base and golden images stay in each host's pool as a cache for the next `up`; --purge removes them and the pool too.")

    @OptionGroup var options: ProjectOptions
    @Flag(help: "Also remove base and golden images and the storage pool.") var purge = false

    func run() async throws {
        let project = Project(composeFile: options.file)
        let state = try TestbedState.load(from: project.workspace.stateFile)
        let provisioner = Provisioner(state: state, workspace: project.workspace,
                                      progress: Progress(verbose: options.verbose), connector: project.workspace.liveHosts)
        try await Interrupt.cancellingOnSignal { try await provisioner.down(purge: purge) }
    }
}
