import Core
import Foundation
import Libvirt

/// Simulated remote testbed hosts (tests/harness/fakehosts.sh): each a network + mount + UTS
/// namespace with its own sshd, libvirtd, virtlogd and Open vSwitch, on 10.77.0.1N.
enum FakeHosts {
    static let base = "/var/lib/tbctl-mh"
    static var clientKey: String { base + "/client/id_ed25519" }
    static var script: String { Repo.root + "/tests/harness/fakehosts.sh" }

    /// The daemons the harness starts inherit its descriptors: were any of them a pipe to us
    /// (Foundation's Process passes more than 0-2 on Linux), reading it would never end. So
    /// every descriptor above 2 is closed and the output goes to a file.
    static func up(_ hosts: [String]) async throws {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("fakehosts-up.log").path
        let closeAll = "for fd in /proc/$$/fd/*; do n=${fd##*/}; [ \"$n\" -gt 2 ] && eval \"exec $n>&-\"; done 2>/dev/null; "
        let r = try await Subprocess.run(["/usr/bin/env", "MH_HOSTS=\(hosts.joined(separator: " "))", "bash", "-c",
                                          closeAll + "exec bash \"$0\" up > \"$1\" 2>&1 < /dev/null", script, log])
        guard r.succeeded else {
            throw TBError(.command, "fakehosts.sh up failed", cause: (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
        }
    }

    static func down() async throws {
        let r = try await Subprocess.run(["bash", script, "down"])
        guard r.succeeded else { throw TBError(.command, "fakehosts.sh down failed", cause: r.stdout + r.stderr) }
    }

    /// Runs a command inside a simulated host's namespaces.
    static func exec(_ host: String, _ argv: [String]) async throws -> CommandResult {
        try await Subprocess.run(["bash", script, "exec", host] + argv)
    }
}
