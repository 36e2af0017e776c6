import Core
import Libvirt
import OVS
import SSH
import TestbedState

/// A live connection to one testbed host: libvirt (the C API, locally or over libvirt's libssh2
/// transport), a command runner (a subprocess on the master, an exec channel of the host's one
/// reused SSH session elsewhere) and its Open vSwitch. Opened once per command and shared by
/// every task of that command.
public final class HostConnection: Sendable {
    public let spec: Host
    public let libvirt: LibvirtConnection
    public let runner: any CommandRunner
    public let ovs: OVSSwitch
    /// The host's SSH session (remote hosts): guests there are reached through it.
    public let session: SSHSession?
    /// Serialises pool refreshes with the uploads they follow: libvirt refuses to refresh a pool
    /// while a volume job runs in it.
    public let poolLock = AsyncMutex()
    /// More libvirt connections to the host, opened by `widen(for:)` (see Lanes.swift).
    let lanes = Locked(Lanes())

    init(spec: Host, libvirt: LibvirtConnection, runner: any CommandRunner, session: SSHSession?) {
        self.spec = spec; self.libvirt = libvirt; self.runner = runner; self.session = session
        self.ovs = OVSSwitch(runner: runner)
    }

    public var name: String { spec.name }

    /// Connects to a host. For a remote host the SSH session comes first: it checks the host key
    /// against the project's known_hosts (recording it on first contact), so libvirt's own
    /// transport, which reads the same file, never meets an unknown key.
    public static func connect(_ spec: Host, knownHosts: String) async throws -> HostConnection {
        do {
            guard let ssh = spec.ssh else {
                let lv = try await LibvirtConnection.open(spec.libvirtURI)
                return HostConnection(spec: spec, libvirt: lv, runner: LocalRunner(), session: nil)
            }
            let session = try await SSHSession.connect(
                host: ssh.address, port: ssh.port, user: ssh.user, auth: .privateKeyFile(ssh.identity),
                hostKey: .knownHosts(file: knownHosts), timeout: .seconds(15))
            let lv = try await LibvirtConnection.open(spec.libvirtURI)
            return HostConnection(spec: spec, libvirt: lv, runner: SSHRunner(session: session, location: "host \(spec.name)"),
                                  session: session)
        } catch {
            throw unreachable(spec.name, error)
        }
    }

    /// A host that could not be connected to is `unreachable` (exit status 3), whatever the
    /// transport said; that error (libvirt's, SSH's, a host key mismatch) is kept as the cause.
    static func unreachable(_ host: String, _ error: any Error) -> TBError {
        let e = error.asTBError(.libvirt, "cannot connect")
        if e.code == .cancelled || e.code == .unreachable { return e }
        var out = e.about("host \(host)")
        out.code = .unreachable
        out.underlying = e
        return out
    }

    public func close() async {
        for extra in lanes.withLock({ l in defer { l.extra = [] }; return l.extra }) { await extra.close() }
        await libvirt.close()
        await session?.close()
    }
}

/// Connections to every host of a testbed, opened concurrently. Hosts that do not answer are
/// reported in `failures` and left out; the others can still be worked on.
public struct HostSet: Sendable {
    public var connections: [String: HostConnection]
    public var failures: [String: TBError]

    public static func connect(_ state: TestbedState, knownHosts: String, only: Set<String>? = nil) async -> HostSet {
        await connect(state.hosts.filter { only?.contains($0.name) ?? true }, knownHosts: knownHosts)
    }

    public static func connect(_ wanted: [Host], knownHosts: String) async -> HostSet {
        let results = await concurrentResults(wanted) { h in try await HostConnection.connect(h, knownHosts: knownHosts) }
        var set = HostSet(connections: [:], failures: [:])
        for (h, r) in zip(wanted, results) {
            switch r {
            case .success(let c): set.connections[h.name] = c
            case .failure(let e): set.failures[h.name] = HostConnection.unreachable(h.name, e)
            }
        }
        return set
    }

    public subscript(_ host: String) -> HostConnection? { connections[host] }

    public func closeAll() async {
        for c in connections.values { await c.close() }
    }
}
