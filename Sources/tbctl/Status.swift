import Apply
import ArgumentParser
import Conditions
import Plan
import Project
import TestbedState
import Workspace

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show each guest's host, state, addresses, service and whether its setup ran.",
        discussion: "Asks every host's libvirt for the real state. Exit 0 even when guests are down.")

    @OptionGroup var options: ProjectOptions
    @Flag(help: "Print as JSON.") var json = false

    struct Row: Encodable {
        var guest: String, host: String, state: String, management: String
        var networks: [String: String], service: String?, setup: String
        /// Network conditions on this guest (`link`, `impair`, `partition`), as `status` prints them.
        var conditions: [String]
    }

    func run() async throws {
        let project = Project(composeFile: options.file)
        let state = try TestbedState.load(from: project.workspace.stateFile)
        let provisioner = Provisioner(state: state, workspace: project.workspace,
                                      progress: Progress(verbose: false, tty: false), connector: project.workspace.liveHosts)
        let (hosts, inventories, unreachable) = await provisioner.survey()
        await hosts.closeAll()
        let record = try ApplyContext.loadRecord(project.workspace)
        let conditions = try ConditionsRecord.load(project.workspace).desired
        let rows = state.userGuests.map { g -> Row in
            let s = unreachable[g.host] != nil ? "host unreachable"
                : inventories[g.host]?.domains[g.domain]?.state.rawValue ?? "not created"
            return Row(guest: g.name, host: g.host, state: s, management: g.managementIP,
                       networks: Dictionary(uniqueKeysWithValues: g.nics.filter { !$0.isManagement }.map { ($0.network, $0.ip) }),
                       service: g.role.service, setup: g.setup == nil ? "none" : (record.setup[g.name] != nil ? "done" : "pending"),
                       conditions: conditions.lines(for: g, state))
        }
        if json { return try printJSON(rows) }
        var t = Table("GUEST", "HOST", "STATE", "MANAGEMENT", "NETWORKS", "SERVICE", "SETUP")
        for r in rows {
            t.add(r.guest, r.host, r.state, r.management,
                  r.networks.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "),
                  r.service ?? "-", r.setup)
        }
        print(t.rendered)
        if !conditions.isEmpty {
            print("network conditions (tbctl link, impair, partition; `up` keeps them):")
            for line in conditions.lines { print("  " + line) }
        }
        for (h, e) in unreachable.sorted(by: { $0.key < $1.key }) { print("host \(h): \(e.message)") }
    }
}
