import Apply
import ArgumentParser
import Core
import Foundation
import Project
import TestbedState
import Workspace

struct SSHCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ssh",
        abstract: "Log in to a guest with OpenSSH (or run one command there).",
        discussion: """
            Replaces itself with `ssh -F .testbed/ssh_config GUEST`: the project key, the \
            guest's generated host key (StrictHostKeyChecking yes, no prompt) and, for a guest \
            on a remote host, ProxyJump through that host. The config is the one \
            `tbctl ssh-config` prints, rewritten first. A command after `--` runs with the \
            guest's `env` exported (one argument: a shell command line; several: a program and \
            its arguments); stdin, the terminal and the exit status are ssh's.

            Examples:
              tbctl ssh web-0
              tbctl ssh web-0 -- 'tail -f /var/log/messages'
            """)

    @OptionGroup var options: ProjectOptions
    @Flag(name: .shortAndLong, help: "Passed on to ssh (its debug output).") var verbose = false
    @Argument(help: "The guest.") var guest: String
    @Argument(parsing: .postTerminator, help: "A command to run instead of a login shell, after `--`.") var command: [String] = []

    func run() throws {
        let project = Project(composeFile: options.file)
        let state = try TestbedState.load(from: project.workspace.stateFile)
        let g = try GuestSelection.one(state, guest, composeFile: project.workspace.composeFile)
        try GuestSelection.requireLogin([g], for: "ssh")
        try SSHConfig.write(state, workspace: project.workspace)
        var argv = ["ssh", "-F", project.workspace.sshConfig]
        if verbose { argv.append("-v") }
        argv += ["--", g.name]
        if !command.isEmpty { argv.append(GuestCommand.wrap(g, GuestCommand.commandLine(command))) }
        let path = Subprocess.resolve("ssh")
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw TBError(.unsupported, "OpenSSH's `ssh` is not installed (apt-get install openssh-client)")
        }
        fflush(nil)
        let cargs = argv.map { strdup($0) } + [nil]
        execv(path, cargs)
        throw TBError(.command, "cannot run \(path)", cause: String(cString: strerror(errno)))
    }
}
