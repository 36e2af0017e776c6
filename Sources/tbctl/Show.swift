import ArgumentParser
import Project
import TestbedState

struct Show: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the compiled testbed: guests with host, addresses, service and role.",
        discussion: "Reads (and if needed refreshes) .testbed/state.json; touches no host. With --format json it prints the state itself (docs/state-json.md).")

    @OptionGroup var options: ProjectOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let state = try Project(composeFile: options.file).stateForReading("show")
        try output.emit(state) {
            var t = Table("GUEST", "HOST", "ROLE", "SERVICE", "CPUS", "MEMORY", "MANAGEMENT", "NETWORKS", "DISK")
            for g in state.guests {
                let nets = g.nics.filter { !$0.isManagement }.map { "\($0.network)=\($0.ip)" }.joined(separator: " ")
                t.add(g.name, g.host, g.role.kind.rawValue, g.role.service ?? "-", "\(g.cpus)", "\(g.memoryMiB) MiB",
                      g.managementIP, nets.isEmpty ? "-" : nets, "\(g.disk.volume) <- \(g.disk.backingVolume)")
            }
            print(t.rendered)
        }
    }
}
