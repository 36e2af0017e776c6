import Apply
import ArgumentParser
import Compose
import Core
import Project

struct Scale: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Set the number of clones of one or more services (web=5 db=0).",
        discussion: """
            Adds clones with new indices and new addresses (the existing guests keep theirs) and \
            runs their seeds and setup scripts, or removes the highest indices with their disks. \
            Nothing else is restarted or touched. The count is kept in .testbed/scale.json and \
            wins over the compose file's `replicas` until the compose file changes that value \
            (see docs/scale.md).
            """)

    @OptionGroup var options: ProjectOptions
    @Argument(help: "SERVICE=N pairs; N may be 0.") var counts: [String]

    func run() async throws {
        let project = Project(composeFile: options.file)
        let compose = try project.loadCompose()
        var overrides = try project.scaleOverrides()
        for (service, n) in try counts.map(parse) {
            guard let spec = compose.guests.first(where: { $0.name == service }), let replicas = spec.replicas else {
                let services = compose.guests.filter(\.isService).map(\.name)
                throw TBError(.invalidInput, "`\(service)` is not a service of \(options.file) (services: \(services.joined(separator: ", ")))")
            }
            overrides[service] = .init(replicas: n, composeReplicas: replicas)
        }
        let lock = try project.lock(for: "scale")
        defer { withExtendedLifetime(lock) {} }
        let state = try project.generate(overrides: overrides)
        try project.workspace.writeJSON(overrides, "scale.json")
        let provisioner = Provisioner(state: state, workspace: project.workspace,
                                      progress: Progress(verbose: options.verbose), connector: project.workspace.liveHosts)
        try await Interrupt.cancellingOnSignal { try await provisioner.upLocked() }
    }

    func parse(_ arg: String) throws -> (String, Int) {
        let parts = arg.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty, let n = Int(parts[1]), n >= 0 else {
            throw ValidationError("expected SERVICE=N with N >= 0, got `\(arg)`")
        }
        return (parts[0], n)
    }
}
