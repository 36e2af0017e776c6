import Core

/// One look at a host's booting guests, in one process per sample whatever their number:
/// each console log's mark (`ConsoleLogs`) and the host's IPv4 neighbour table, where a guest
/// whose network stack answers ARP shows as REACHABLE with its MAC (the host asks each time
/// tbctl tries the guest's SSH port), before sshd runs.
public enum BootProbe {
    public struct Neighbour: Sendable, Equatable {
        public var mac: String
        /// The kernel's NUD state: REACHABLE (answered lately), STALE, DELAY, PROBE, FAILED...
        public var state: String
        public init(mac: String, state: String) { self.mac = mac; self.state = state }
    }

    public struct Result: Sendable {
        public var consoles: [String: ConsoleLogs.Mark]
        /// By IPv4 address; entries without a MAC (INCOMPLETE, FAILED) are left out.
        public var neighbours: [String: Neighbour]
    }

    public static let script = ConsoleLogs.probeScript + "\nip -4 neigh show 2>/dev/null | sed 's/^/neigh /'"

    public static func run(_ logs: [(path: String, since: Int)], on runner: any CommandRunner) async throws -> Result {
        let r = try await runner.run(["sh", "-c", script, "sh"] + ConsoleLogs.arguments(logs))
        return parse(r.stdout)
    }

    /// `neigh 10.0.0.5 dev virbr1 lladdr 52:54:00:12:34:56 REACHABLE` lines, and the console
    /// marks around them.
    static func parse(_ output: String) -> Result {
        let lines = output.split(separator: "\n")
        var neighbours: [String: Neighbour] = [:]
        for line in lines where line.hasPrefix("neigh ") {
            let f = line.split(separator: " ").dropFirst().map(String.init)
            guard let ip = f.first, let at = f.firstIndex(of: "lladdr"), at + 1 < f.count, let state = f.last else { continue }
            neighbours[ip] = Neighbour(mac: f[at + 1].lowercased(), state: state)
        }
        return Result(consoles: ConsoleLogs.marks(lines.filter { !$0.hasPrefix("neigh ") }), neighbours: neighbours)
    }
}
