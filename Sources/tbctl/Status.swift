import Apply
import ArgumentParser
import Core
import Conditions
import Foundation
import Plan
import Project
import TestbedState
import Workspace

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show each guest's host, state, addresses, service and whether its setup ran.",
        discussion: "Asks every host's libvirt for the real state. Exit 0 even when guests are down or a host does not answer.")

    @OptionGroup var options: ProjectOptions
    @OptionGroup var output: OutputOptions

    /// `tbctl status --format json` (docs/cli.md).
    struct Document: Encodable {
        struct Guest: Encodable {
            var guest: String, host: String
            /// running, paused, shutoff, other (libvirt's); absent (no domain); unknown (host unreachable).
            var state: String
            var management: String
            var networks: [String: String], service: String?
            /// done, pending, none (no setup script).
            var setup: String
            /// Network conditions on this guest (`link`, `impair`, `partition`), as text for people.
            var conditions: [String]
        }
        struct Host: Encodable { var host: String; var reachable: Bool; var error: TBError? }
        var project: String
        var guests: [Guest]
        var hosts: [Host]
        /// Every network condition of the testbed, as text for people (docs/conditions.md).
        var conditions: [String]
        /// `up --local`: every guest on the master.
        var local: Bool = false
        /// The master's record of the testbed (docs/fleet.md); nil when it has none or did not answer.
        var testbed: Testbed? = nil
        struct Testbed: Encodable {
            var owner: String, created: Double, expires: Double?, secondsLeft: Double?
        }
    }

    func run() async throws {
        let project = Project(composeFile: options.file)
        let state = try TestbedState.load(from: project.workspace.stateFile)
        let provisioner = Provisioner(state: state, workspace: project.workspace,
                                      progress: Progress(verbose: false, tty: false), connector: project.workspace.liveHosts)
        let (hosts, inventories, unreachable) = await provisioner.survey()
        let testbedRecord = try? await hosts[state.master.name]?.testbedRecord(project: state.project)
        await hosts.closeAll()
        let record = try ApplyContext.loadRecord(project.workspace)
        let conditions = try ConditionsRecord.load(project.workspace).desired
        let rows = state.userGuests.map { g -> Document.Guest in
            let s = unreachable[g.host] != nil ? "unknown" : inventories[g.host]?.domains[g.domain]?.state.rawValue ?? "absent"
            return .init(guest: g.name, host: g.host, state: s, management: g.managementIP,
                         networks: Dictionary(uniqueKeysWithValues: g.nics.filter { !$0.isManagement }.map { ($0.network, $0.ip) }),
                         service: g.role.service, setup: g.setup == nil ? "none" : (record.setup[g.name] != nil ? "done" : "pending"),
                         conditions: conditions.lines(for: g, state))
        }
        let doc = Document(project: state.project, guests: rows,
                           hosts: state.hosts.map { .init(host: $0.name, reachable: unreachable[$0.name] == nil, error: unreachable[$0.name]) },
                           conditions: conditions.lines, local: state.isLocal,
                           testbed: testbedRecord.flatMap { $0 }.map { .init(owner: $0.owner, created: $0.created, expires: $0.expires,
                                                       secondsLeft: $0.secondsLeft(now: Date().timeIntervalSince1970)) })
        try output.emit(doc) { print(Self.text(doc)) }
    }

    static func text(_ doc: Document) -> String {
        var t = Table("GUEST", "HOST", "STATE", "MANAGEMENT", "NETWORKS", "SERVICE", "SETUP")
        let shown = ["absent": "not created", "unknown": "host unreachable"]
        for r in doc.guests {
            t.add(r.guest, r.host, shown[r.state] ?? r.state, r.management,
                  r.networks.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "),
                  r.service ?? "-", r.setup)
        }
        var lines = [t.rendered]
        if doc.local { lines.append("local mode: every guest runs on this machine (`tbctl up` without --local moves them to their hosts)") }
        if let left = doc.testbed?.secondsLeft {
            lines.append(left > 0 ? "expires in \(Lifetime.format(Int(left.rounded(.up)))) (`tbctl extend` gives it more)"
                                  : "expired \(Lifetime.format(Int(-left))) ago: `tbctl reap` removes it")
        }
        if !doc.conditions.isEmpty {
            lines.append("network conditions (tbctl link, impair, partition; `up` keeps them):")
            lines += doc.conditions.map { "  " + $0 }
        }
        return (lines + doc.hosts.compactMap { h in h.error.map { "host \(h.host): \($0.message)" } }).joined(separator: "\n")
    }
}
