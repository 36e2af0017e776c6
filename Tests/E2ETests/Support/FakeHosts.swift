import Core
import Foundation
import Libvirt

/// Simulated remote testbed hosts (tests/harness/fakehosts.sh): each a network + mount + UTS
/// namespace with its own sshd, libvirtd, virtlogd and Open vSwitch, on 10.77.0.1N.
enum FakeHosts {
    static let base = "/var/lib/tbctl-mh"
    static var clientKey: String { base + "/client/id_ed25519" }
    static var script: String { Repo.root + "/tests/harness/fakehosts.sh" }

    static func up(_ hosts: [String]) async throws {
        let r = try await Subprocess.run(["/usr/bin/env", "MH_HOSTS=\(hosts.joined(separator: " "))", "bash", script, "up"])
        guard r.succeeded else { throw TBError(.command, "fakehosts.sh up failed", cause: r.stdout + r.stderr) }
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
