import Core
import OVSModel
import TestbedState

/// One testbed host as `up`, `down`, `snapshot` and `exec` see it: its libvirt, a command
/// runner, its Open vSwitch and SSH access to its guests. LiveHosts connects to real hosts
/// (libvirt's C API, libssh2, ovs-vsctl); HostFakes keeps a host in memory for tests. Opened once
/// per command and shared by every task of that command.
public protocol HostConnection: AnyObject, Sendable {
    var spec: Host { get }
    /// libvirt on the host.
    var libvirt: any Hypervisor { get }
    /// Host commands (mkdir, sha256sum, qemu-img): a subprocess on the master, an SSH exec
    /// channel elsewhere.
    var runner: any CommandRunner { get }
    var ovs: any VirtualSwitch { get }
    /// Serialises pool refreshes with the uploads they follow: libvirt refuses to refresh a pool
    /// while a volume job runs in it.
    var poolLock: AsyncMutex { get }

    /// Makes sure `calls` concurrent libvirt calls can be served at once (libvirtd serves a few
    /// calls per client connection at a time); returns the number of connections to the host.
    func widen(for calls: Int) async -> Int
    /// The next of the host's libvirt connections, round robin over those `widen` opened.
    /// Objects looked up through it (a domain) keep using it.
    func lane() -> any Hypervisor
    /// A session to a guest of this host, waiting while it boots. The guest must present
    /// exactly the host key tbctl generated for it.
    func guestSession(_ guest: Guest, user: String, keyFile: String, timeout: Duration) async throws -> any GuestSession
    /// Whether the guest's management address accepts a TCP connection on `port` (`wait: port
    /// N`): made from the master for its own guests, through the host's SSH session otherwise.
    func canConnect(toGuest guest: Guest, port: Int, timeout: Duration) async -> Bool
    /// Runs a shell script on the host (`sh -s`), passing its output on chunk by chunk as it
    /// comes (a packet capture): a subprocess on the master, an exec channel of the host's
    /// session elsewhere. Never throws for a non-zero exit; the result's stdout is empty.
    func stream(script: String, output: @escaping @Sendable (StdStream, [UInt8]) -> Void) async throws -> CommandResult
    /// Commands on the host itself, as a session (scenario jobs on `hosts:`): a remote host's
    /// own SSH session, closed with the host; nil on the master, where tbctl runs them itself.
    func hostSession() -> (any GuestSession)?
    func close() async
}

extension HostConnection {
    public var name: String { spec.name }

    public func hostSession() -> (any GuestSession)? { nil }

    public func guestSession(_ guest: Guest, user: String, keyFile: String) async throws -> any GuestSession {
        try await guestSession(guest, user: user, keyFile: keyFile, timeout: .seconds(180))
    }
}

/// Opens connections to hosts: the real ones (LiveHosts) or fakes (HostFakes).
public protocol HostConnector: Sendable {
    func connect(_ host: Host) async throws -> any HostConnection
}

/// A command session in a guest (SSH): one per guest and command, reused for its steps.
public protocol GuestSession: Sendable {
    /// Runs `command` through the login shell; `output` gets each chunk as it arrives. Never
    /// throws for a non-zero exit.
    func exec(_ command: String, output: (@Sendable (StdStream, [UInt8]) -> Void)?) async throws -> CommandResult
    /// Like `exec`, keeping none of the output (a scenario's daemon may print for hours):
    /// only `output` sees it. Returns the exit status.
    func stream(_ command: String, output: @escaping @Sendable (StdStream, [UInt8]) -> Void) async throws -> Int32
    func upload(_ bytes: [UInt8], to path: String, mode: Int) async throws
    /// Copies a local file, read as it goes (the local file's mode unless `mode` is given).
    func upload(file: String, to path: String, mode: Int?) async throws
    /// Whether a TCP connection to host:port made by the session's server (from inside the
    /// guest) succeeds, as `ssh -W` would make it.
    func canConnect(host: String, port: Int, timeout: Duration) async -> Bool
    func close() async
}

extension GuestSession {
    @discardableResult
    public func exec(_ command: String) async throws -> CommandResult { try await exec(command, output: nil) }
}
