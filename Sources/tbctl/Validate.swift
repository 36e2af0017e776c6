import ArgumentParser
import Compose
import Project

struct Validate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check testbed.yaml and report every problem at once.",
        discussion: "Each problem names file:line:column and the key path. Exit 0 when the file is valid, 1 otherwise.")

    @OptionGroup var options: ProjectOptions
    @Flag(help: "Print the decoded compose model summary as JSON.") var json = false

    func run() async throws {
        let compose = try Project(composeFile: options.file).loadCompose()
        struct Summary: Encodable { var project: String; var hosts: [String]; var images: [String]; var networks: [String]; var guests: [String] }
        let s = Summary(project: compose.project, hosts: compose.hosts.map(\.name), images: compose.images.map(\.name),
                        networks: compose.networks.map(\.name), guests: compose.guests.map(\.name))
        if json { return try printJSON(s) }
        print("\(options.file): valid (project \(compose.project): \(s.guests.count) guest definitions, \(s.networks.count) networks, \(s.hosts.count) hosts)")
    }
}
