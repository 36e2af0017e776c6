import ArgumentParser
import Core
import Foundation

/// Exit codes: 0 ok, 1 a user-facing error (bad compose file, a failed step), 2 bad usage.
@main
struct Main {
    static func main() async {
        do {
            var command = try Tbctl.parseAsRoot()
            if var cmd = command as? AsyncParsableCommand {
                try await cmd.run()
            } else {
                try command.run()
            }
            leave(0)
        } catch let error as TBError {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            leave(1)
        } catch let error as ExitCode {
            leave(error.rawValue)
        } catch {
            let code = Tbctl.exitCode(for: error)
            if code == .success || code.rawValue == 1 {
                Tbctl.exit(withError: error)
            }
            FileHandle.standardError.write(Data((Tbctl.fullMessage(for: error) + "\n").utf8))
            leave(2)
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
              tbctl snapshot create NAME  snapshot every guest (restore, list, delete)
              tbctl scale web=5           set a service's number of clones
              tbctl impair web-0 --delay 100ms   network conditions: also link, partition, capture
              tbctl run scenario.yaml     run an experiment's stages of jobs (tbctl runs: its record)
              tbctl down                  remove guests and networks (images stay cached)
            """,
        subcommands: [GenerateArtefacts.self, Validate.self, Show.self, Plan.self, Up.self, Status.self,
                      Exec.self, SSHCommand.self, SSHConfigCommand.self, SnapshotCommand.self, Scale.self, Down.self,
                      Link.self, Impair.self, PartitionCommand.self, CaptureCommand.self, MetricsCommand.self, Serve.self,
                      RunCommand.self, RunsCommand.self])
}

/// Options every command that reads a project takes.
struct ProjectOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "The compose file.")
    var file: String = "testbed.yaml"

    @Flag(name: .shortAndLong, help: "Show each libvirt, OVS and SSH step.")
    var verbose = false
}
