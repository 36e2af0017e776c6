import ArgumentParser
import Project
import TestbedState

struct GenerateArtefacts: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate-artefacts",
        abstract: "Compile testbed.yaml into .testbed/state.json and per-guest artefacts.",
        discussion: """
            Writes .testbed/state.json (see docs/state-json.md) and, for every guest, \
            .testbed/artefacts/<guest>/{meta-data,user-data,network-config,seed.iso,domain.xml}. \
            Nothing on any host changes. Guests keep their addresses, MACs and hosts from the \
            previous state. `tbctl up` runs this itself when the compose file changed.
            """)

    @OptionGroup var options: ProjectOptions
    @Flag(help: "Print the compiled state as JSON.") var json = false

    func run() async throws {
        let project = Project(composeFile: options.file)
        let lock = try project.lock(for: "generate-artefacts")
        defer { withExtendedLifetime(lock) {} }
        let (state, artefacts) = try project.generateWithSummary()
        if json { return try printJSON(state) }
        print("compiled \(state.userGuests.count) guests, \(state.networks.count) networks, \(state.hosts.count) hosts -> \(project.workspace.stateFile)")
        print("artefacts in \(project.workspace.artefacts): \(artefacts.changedGuests.count) of \(artefacts.guests) guests changed, \(artefacts.filesWritten) files written")
    }
}
