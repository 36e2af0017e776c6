import ArgumentParser
import Core
import Foundation

/// Runs the command; a failure exits with its class's status (ExitStatus, docs/cli.md).
@main
struct Main {
    static func main() async {
        let format = OutputFormat.requested(in: CommandLine.arguments)
        do {
            var command = try Tbctl.parseAsRoot()
            if var cmd = command as? AsyncParsableCommand {
                try await cmd.run()
            } else {
                try command.run()
            }
            leave(0)
        } catch {
            leave(ErrorOutput.report(error, format: format))
        }
    }

    /// Ends the process once a command is done, without exit()'s atexit handlers: libcrypto's
    /// frees its locks while threads libssh2 and libvirt keep for a closed remote host may
    /// still be winding down, which crashed `exec --host` and an interrupted `run` now and
    /// then (SIGSEGV in pthread_rwlock_wrlock). Everything a command writes is on disk by then;
    /// stdio buffers are flushed here.
    static func leave(_ code: Int32) -> Never {
        fflush(nil)
        _exit(code)
    }
}

struct Tbctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tbctl",
        abstract: "Provision KVM testbeds from one compose file.",
        discussion: """
            tbctl reads testbed.yaml (guests, networks, images, hosts), compiles it to \
            .testbed/state.json and makes the hosts match it: golden images, linked clones, \
            Open vSwitch networks joined by tunnels, cloud-init seeds and setup scripts.

            Typical session:
              tbctl validate              check testbed.yaml
              tbctl up                    build and start everything (re-run: converges)
              tbctl status                guests, hosts, addresses
              tbctl exec --all -- CMD     run a command on every guest
              tbctl ssh GUEST             log in to a guest
              tbctl console GUEST         its serial console (--log: what it printed)
              tbctl snapshot create NAME  snapshot every guest (restore, list, delete)
              tbctl scale web=5           set a service's number of clones
              tbctl impair web-0 --delay 100ms   network conditions: also link, partition, capture
              tbctl run scenario.yaml     run an experiment's stages of jobs (tbctl runs: its record)
              tbctl down                  remove guests and networks (images stay cached)
              tbctl ls                    every testbed on the hosts, whoever made it (reap, extend)

            Output: every command that reports something takes --format text|json (--json for \
            short). With json, stdout is one JSON document and an error is one line of JSON on \
            stderr: {"error": {"code", "exitStatus", "message", "object", "cause", ...}}. Field \
            names are a contract: docs/cli.md.

            Exit status:
            \(ExitStatus.allCases.map { "  \(String($0.rawValue).padding(toLength: 4, withPad: " ", startingAt: 0))\($0.summary)" }.joined(separator: "\n"))
            """,
        version: Version.description,
        subcommands: [GenerateArtefacts.self, Validate.self, Show.self, Plan.self, Up.self, Status.self,
                      Exec.self, SSHCommand.self, SSHConfigCommand.self, ConsoleCommand.self, SnapshotCommand.self, Scale.self, Down.self,
                      Link.self, Impair.self, PartitionCommand.self, CaptureCommand.self, MetricsCommand.self, Serve.self,
                      RunCommand.self, RunsCommand.self, Ls.self, Extend.self, Reap.self])
}

extension ExitStatus {
    /// One line per status for `tbctl --help` (docs/cli.md has the long form).
    var summary: String {
        switch self {
        case .ok: "ok"
        case .failed: "a step failed (host, guest, exec's command); the rest is done"
        case .usage: "usage or invalid input (options, compose file, names); nothing changed"
        case .unreachable: "a testbed host could not be reached, and nothing else failed"
        case .conflict: "the project is busy (another tbctl runs) or a name is taken"
        case .internalError: "a bug in tbctl"
        case .interrupted: "interrupted (Ctrl-C); run the command again to finish"
        }
    }
}

/// Options every command that reads a project takes.
struct ProjectOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "The compose file.")
    var file: String = "testbed.yaml"
}

/// `-v`, on the commands where it shows more: each libvirt, OVS and SSH step of `up`, `scale`,
/// `down` and `snapshot`; each guest's outcome and time in `exec`; ssh's own `-v` in `ssh`.
struct VerboseOption: ParsableArguments {
    @Flag(name: .shortAndLong, help: "Show each libvirt, OVS and SSH step as it happens.")
    var verbose = false
}
