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
            previous state. `tbctl up` runs this itself when the compose file changed. \
            `tbctl show --format json` prints the compiled state itself.
            """)

    @OptionGroup var options: ProjectOptions
    @OptionGroup var output: OutputOptions

    /// `tbctl generate-artefacts --format json` (docs/cli.md): what was compiled and written.
    struct Document: Encodable {
        var project: String, stateFile: String, artefacts: String
        var guests: Int, networks: Int, hosts: Int
        var filesWritten: Int, filesUnchanged: Int, changedGuests: [String], removedFolders: [String]
    }

    func run() async throws {
        let project = Project(composeFile: options.file)
        let lock = try project.lock(for: "generate-artefacts")
        defer { withExtendedLifetime(lock) {} }
        let (state, a) = try project.generateWithSummary()
        let doc = Document(project: state.project, stateFile: project.workspace.stateFile, artefacts: project.workspace.artefacts,
                           guests: state.userGuests.count, networks: state.networks.count, hosts: state.hosts.count,
                           filesWritten: a.filesWritten, filesUnchanged: a.filesUnchanged, changedGuests: a.changedGuests,
                           removedFolders: a.removedFolders)
        try output.emit(doc) {
            print("compiled \(doc.guests) guests, \(doc.networks) networks, \(doc.hosts) hosts -> \(doc.stateFile)")
            print("artefacts in \(doc.artefacts): \(a.changedGuests.count) of \(a.guests) guests changed, \(a.filesWritten) files written")
        }
    }
}
