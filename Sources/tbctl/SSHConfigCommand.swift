import ArgumentParser
import Project
import TestbedState
import Workspace

struct SSHConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ssh-config",
        abstract: "Print an OpenSSH config for the testbed's guests and remote hosts.",
        discussion: """
            A Host entry per guest (its name and <project>.<guest>) and per remote host \
            (<project>.host.<host>), using the project key and the generated host keys, which \
            it also (re)writes to .testbed/guests_known_hosts. The same text is in \
            .testbed/ssh_config. Give ssh's -F a file: OpenSSH closes inherited descriptors \
            before it reads -F, so `-F <(tbctl ssh-config)` fails (docs/access.md). \
            --format json prints the same entries as data, for tools other than OpenSSH.

            Examples:
              ssh -F .testbed/ssh_config web-0 hostname
              tbctl ssh-config > lab.ssh && scp -F lab.ssh file web-0:/tmp/
            """)

    @OptionGroup var options: ProjectOptions
    @OptionGroup var output: OutputOptions

    /// `tbctl ssh-config --format json` (docs/cli.md).
    struct Document: Encodable {
        struct Guest: Encodable {
            /// identityFile is absent for a guest logged in to with a password; hostKey for a
            /// guest without a seed (its image's own key, recorded in knownHostsFile at first contact).
            var guest: String, aliases: [String], hostName: String, user: String, identityFile: String?
            var hostKeyAlias: String, hostKey: String?
            var knownHostsFile: String?
            /// The remote host's alias to jump through; absent for guests on the master.
            var proxyJump: String?
        }
        struct Host: Encodable { var host: String, alias: String, hostName: String, user: String, port: Int, identityFile: String }
        var project: String
        var configFile: String, knownHostsFile: String, hostsKnownHostsFile: String
        var guests: [Guest]
        var hosts: [Host]
    }

    func run() throws {
        let project = Project(composeFile: options.file)
        let state = try TestbedState.load(from: project.workspace.stateFile)
        try SSHConfig.write(state, workspace: project.workspace)
        try output.emit(Self.document(state, project.workspace)) {
            print(SSHConfig.render(state, workspace: project.workspace), terminator: "")
        }
    }

    static func document(_ state: TestbedState, _ w: Workspace) -> Document {
        let p = state.project
        return Document(
            project: p, configFile: w.sshConfig, knownHostsFile: w.guestKnownHosts, hostsKnownHostsFile: w.knownHosts,
            guests: state.userGuests.filter(\.canLogIn).map { g in
                let remote = state.host(named: g.host).flatMap { $0.ssh == nil ? nil : $0.name }
                let aliases = [g.name, SSHConfig.guestAlias(project: p, guest: g.name)]
                let jump = remote.map { SSHConfig.hostAlias(project: p, host: $0) }
                if let login = g.login, !g.hasSeed {
                    return .init(guest: g.name, aliases: aliases, hostName: g.managementIP, user: login.user,
                                 identityFile: login.keyFile, hostKeyAlias: Names.applianceKeyAlias(g), hostKey: nil,
                                 knownHostsFile: w.applianceKnownHosts, proxyJump: jump)
                }
                return .init(guest: g.name, aliases: aliases, hostName: g.managementIP,
                             user: state.user, identityFile: w.keyFile, hostKeyAlias: SSHConfig.guestAlias(project: p, guest: g.name),
                             hostKey: g.hostKey.split(separator: " ").prefix(2).joined(separator: " "),
                             knownHostsFile: nil, proxyJump: jump)
            },
            hosts: state.hosts.compactMap { h in
                h.ssh.map { .init(host: h.name, alias: SSHConfig.hostAlias(project: p, host: h.name), hostName: $0.address,
                                  user: $0.user, port: $0.port, identityFile: $0.identity) }
            })
    }
}
