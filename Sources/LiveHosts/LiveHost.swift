import Core
import Hosts
import Libvirt
import OVS
import OVSModel
import SSH
import TestbedState

/// A live connection to one testbed host: libvirt (the C API, locally or over libvirt's libssh2
/// transport), a command runner (a subprocess on the master, an exec channel of the host's one
/// reused SSH session elsewhere) and its Open vSwitch.
public final class LiveHost: HostConnection {
    public let spec: Host
    let connection: LibvirtConnection
    public let runner: any CommandRunner
    public let ovs: any VirtualSwitch
    /// The host's SSH session (remote hosts): guests there are reached through it.
    let session: SSHSession?
    public let poolLock = AsyncMutex()
    /// More libvirt connections to the host, opened by `widen(for:)` (see Lanes.swift).
    let lanes = Locked(Lanes())
    /// Tap -> MAC of running domains, for the statistics' NIC labels (read once per domain start).
    let macs = InterfaceMACCache()

    init(spec: Host, libvirt: LibvirtConnection, runner: any CommandRunner, session: SSHSession?) {
        self.spec = spec; self.connection = libvirt; self.runner = runner; self.session = session
        self.ovs = OVSSwitch(runner: runner)
    }

    public var libvirt: any Hypervisor { LiveHypervisor(connection, macs: macs) }

    public func hostSession() -> (any GuestSession)? {
        session.map { LiveHostSession(inner: LiveGuestSession(session: $0)) }
    }

    /// Connects to a host. For a remote host the SSH session comes first: it checks the host key
    /// against the project's known_hosts (recording it on first contact), so libvirt's own
    /// transport, which reads the same file, never meets an unknown key.
    public static func connect(_ spec: Host, knownHosts: String) async throws -> LiveHost {
        do {
            guard let ssh = spec.ssh else {
                let lv = try await LibvirtConnection.open(spec.libvirtURI)
                return LiveHost(spec: spec, libvirt: lv, runner: LocalRunner(), session: nil)
            }
            let session = try await SSHSession.connect(
                host: ssh.address, port: ssh.port, user: ssh.user, auth: .privateKeyFile(ssh.identity),
                hostKey: .knownHosts(file: knownHosts), timeout: .seconds(15))
            let lv = try await LibvirtConnection.open(spec.libvirtURI)
            return LiveHost(spec: spec, libvirt: lv, runner: SSHRunner(session: session, location: "host \(spec.name)"),
                            session: session)
        } catch {
            throw error.asTBError(.libvirt, "cannot reach host \(spec.name)").about("host \(spec.name)")
        }
    }

    public func stream(script: String, output: @escaping @Sendable (StdStream, [UInt8]) -> Void) async throws -> CommandResult {
        if let session { return try await session.exec("sh -s", stdin: Array(script.utf8), output: output) }
        return try await Subprocess.stream(["sh", "-s"], stdin: Array(script.utf8), output: output)
    }

    public func close() async {
        for extra in lanes.withLock({ l in defer { l.extra = [] }; return l.extra }) { await extra.close() }
        await connection.close()
        await session?.close()
    }
}

/// Connects to the real hosts, checking remote hosts' keys against the project's known_hosts.
public struct LiveConnector: HostConnector {
    public let knownHosts: String
    public init(knownHosts: String) { self.knownHosts = knownHosts }
    public func connect(_ host: Host) async throws -> any HostConnection {
        try await LiveHost.connect(host, knownHosts: knownHosts)
    }
}
