import Apply
import ArgumentParser
import Core
import Foundation
import Hosts
import LiveHosts
import Project
import TestbedState
import Workspace

/// The hosts `ls`, `reap`, `extend` and `down --project` ask (docs/fleet.md): this machine,
/// the hosts of the compose file's testbed when it was compiled here, every `--host`, and the
/// hosts the records found on those name.
struct FleetHostOptions: ParsableArguments {
    @Option(name: .customLong("host"), help: ArgumentHelp("Also ask this host: user@address[:port], over SSH (repeat for more).", valueName: "user@address"))
    var extra: [String] = []
    @Option(help: ArgumentHelp("Private key for the --host hosts.", valueName: "file"))
    var identity: String = NSHomeDirectory() + "/.ssh/id_ed25519"
    @Option(help: ArgumentHelp("known_hosts for the --host hosts (a new host's key is recorded on first contact).", valueName: "file"))
    var knownHosts: String = NSHomeDirectory() + "/.ssh/known_hosts"

    func validate() throws {
        for h in extra where Self.endpoint(h, identity: "") == nil {
            throw ValidationError("--host \(h): expected user@address or user@address:port")
        }
    }

    static func endpoint(_ text: String, identity: String) -> TestbedState.Host.SSHEndpoint? {
        let at = text.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false)
        guard at.count == 2, !at[0].isEmpty, !at[1].isEmpty else { return nil }
        let hp = at[1].split(separator: ":", omittingEmptySubsequences: false)
        guard hp.count <= 2, !hp[0].isEmpty else { return nil }
        let port = hp.count == 2 ? Int(hp[1]) : 22
        guard let port, (1...65535).contains(port) else { return nil }
        return .init(user: String(at[0]), address: String(hp[0]), port: port, identity: identity)
    }

    /// This machine, the compiled testbed's hosts (when `compose` names one), then `--host`.
    func surveyed(compose: String?) -> [TestbedState.Host] {
        var out = [TestbedState.Host.reached(name: "local", ssh: nil, knownHosts: knownHosts)]
        if let compose, let state = try? TestbedState.load(from: Workspace(composeFile: compose).stateFile) { out += state.hosts }
        out += extra.compactMap { h in Self.endpoint(h, identity: identity).map { TestbedState.Host.reached(name: h, ssh: $0, knownHosts: knownHosts) } }
        return out
    }
}

/// Connects with the known_hosts each host's libvirt URI names (its project's), else the default.
struct FleetConnector: HostConnector {
    let knownHosts: String
    func connect(_ host: TestbedState.Host) async throws -> any HostConnection {
        try await LiveHost.connect(host, knownHosts: host.knownHostsFile ?? knownHosts)
    }
}

extension FleetHostOptions {
    var fleet: Fleet { Fleet(connector: FleetConnector(knownHosts: knownHosts)) }
}

/// One surveyed host in the JSON documents of `ls` and `reap`.
struct FleetHostDocument: Encodable {
    var host: String
    var address: String
    var reachable: Bool
    var error: TBError?

    static func of(_ results: [HostResult]) -> [FleetHostDocument] {
        results.map { r in
            var e: TBError? = nil
            if case .failure(let f) = r.result { e = f }
            return .init(host: r.host.name, address: r.host.place, reachable: e == nil, error: e)
        }
    }
}

extension TestbedListing {
    /// "2h 10m", "expired 5m ago", "-".
    func timeLeft() -> String {
        guard let left = secondsLeft else { return "-" }
        return left > 0 ? Lifetime.format(Int(left.rounded(.up))) : "expired \(Lifetime.format(Int(-left))) ago"
    }
}

func now() -> Double { Date().timeIntervalSince1970 }
