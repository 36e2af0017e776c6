import Apply
import ArgumentParser
import Core
import Foundation
import Hosts
import Project
import TestbedState
import Workspace

struct ConsoleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "A guest's serial console, interactive (or its log with --log).",
        discussion: """
            Connects the terminal to the guest's serial console through libvirt's console \
            stream, on the guest's host (remote guests too): what the guest prints, and your \
            keys go to it (Ctrl-C included). Leave with Ctrl-] . It works for every guest, \
            with or without cloud-init or a login: use it when a guest does not come up.

            --log prints what the console has shown instead, every boot since the guest was \
            created (the log is kept across restarts), from its host's \
            /var/log/libvirt/qemu/<domain>-serial.log.

            Examples:
              tbctl console router
              tbctl console web-1 --log | tail -50
            """)

    @OptionGroup var options: ProjectOptions
    @Flag(help: "Print the console's log (every boot of the guest) instead of connecting.") var log = false
    @Flag(help: "Take the console over from another session (virsh console, another tbctl console).") var force = false
    @Argument(help: "The guest.") var guest: String

    func run() async throws {
        let project = Project(composeFile: options.file)
        let state = try TestbedState.load(from: project.workspace.stateFile)
        let g = try GuestSelection.one(state, guest, composeFile: project.workspace.composeFile)
        guard let spec = state.host(named: g.host) else { throw TBError(.internalError, "host \(g.host) is not in the state") }
        let host = try await project.workspace.liveHosts.connect(spec)
        do {
            if log { try await printLog(g, host) } else { try await Console.attach(g, host, force: force) }
        } catch {
            await host.close()
            throw error
        }
        await host.close()
    }

    /// The log through the host's runner: a local read on the master, an exec channel of the
    /// host's SSH session elsewhere.
    private func printLog(_ g: Guest, _ host: any HostConnection) async throws {
        let path = Names.serialLog(domain: g.domain)
        let result = try await host.runner.run(["cat", path])
        guard result.status == 0 else {
            throw TBError(.notFound, "guest \(g.name) has no console log on host \(host.name) yet: it has not started (run `tbctl up`)",
                          object: "guest \(g.name)", cause: result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        FileHandle.standardOutput.write(Data(result.stdout.utf8))
    }
}
