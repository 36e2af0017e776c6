import ArgumentParser
import Compose
import Project

struct Validate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check testbed.yaml and report every problem at once.",
        discussion: """
            Each problem names file:line:column and the key path. Exit 0 when the file is valid, \
            2 otherwise; with --format json the problems are the error's `problems`, one per \
            mistake, its file:line:column as `object`.
            """)

    @OptionGroup var options: ProjectOptions
    @OptionGroup var output: OutputOptions

    /// `tbctl validate --format json` (docs/cli.md): the names the file defines.
    struct Document: Encodable {
        var file: String, valid: Bool, project: String
        var hosts: [String], images: [String], networks: [String], guests: [String]
    }

    func run() async throws {
        let project = Project(composeFile: options.file)
        let compose = try project.loadCompose()
        let s = Document(file: project.workspace.composeFile, valid: true, project: compose.project, hosts: compose.hosts.map(\.name),
                         images: compose.images.map(\.name), networks: compose.networks.map(\.name), guests: compose.guests.map(\.name))
        try output.emit(s) {
            print("\(options.file): valid (project \(compose.project): \(s.guests.count) guest definitions, \(s.networks.count) networks, \(s.hosts.count) hosts)")
        }
    }
}
