import Core
import Foundation
import Hosts
import TestbedState
import Workspace

/// `tbctl exec`: one command on many guests at once, each over its own SSH session (guests on
/// remote hosts through that host's session), its output streamed as it arrives.
public struct GuestExec: Sendable {
    /// How one guest's run ended: the command's exit status, or why it did not run (or did not
    /// finish: unreachable host or guest, lost connection, interrupted).
    public struct Outcome: Sendable {
        public var guest: String
        public var status: Int32?
        public var error: TBError?
        public var seconds: Double
        public var succeeded: Bool { status == 0 }

        public init(guest: String, status: Int32?, error: TBError?, seconds: Double) {
            self.guest = guest; self.status = status; self.error = error; self.seconds = seconds
        }

        /// "exited with status 3", or the error.
        public var summary: String {
            if let status { return status == 0 ? "ok" : "exited with status \(status)" }
            return error?.description ?? "did not run"
        }
    }

    public let state: TestbedState
    public let workspace: Workspace
    public let connector: any HostConnector
    /// How long to wait for a guest's SSH (a guest still booting is waited for).
    public var connectTimeout: Duration
    /// At most this many guests at a time.
    public var parallel: Int

    public init(state: TestbedState, workspace: Workspace, connector: any HostConnector,
                connectTimeout: Duration = .seconds(30), parallel: Int = 32) {
        self.state = state; self.workspace = workspace; self.connector = connector
        self.connectTimeout = connectTimeout; self.parallel = max(1, parallel)
    }

    /// Runs `command` (a shell command line, run by the login user's shell with the guest's
    /// `env` exported) on every guest concurrently. `output` gets each chunk of output as it
    /// arrives, on an SSH I/O thread: keep it short. Outcomes come back in the order of `guests`.
    public func run(_ command: String, on guests: [Guest],
                    output: @escaping @Sendable (Guest, StdStream, [UInt8]) -> Void) async -> [Outcome] {
        let outcomes = await HostSet.connect(state, via: connector, only: Set(guests.map(\.host))).closing { hosts in
            await concurrentResults(guests, limit: parallel) { await run(command, on: $0, hosts: hosts, output: output) }
        }
        return outcomes.compactMap { try? $0.get() }   // `run` reports failures in its Outcome: never a failure here
    }

    func run(_ command: String, on guest: Guest, hosts: HostSet,
             output: @escaping @Sendable (Guest, StdStream, [UInt8]) -> Void) async -> Outcome {
        let began = ContinuousClock.now
        func outcome(_ status: Int32?, _ error: TBError?) -> Outcome {
            Outcome(guest: guest.name, status: status, error: error, seconds: (ContinuousClock.now - began).seconds)
        }
        guard let host = hosts[guest.host] else {
            let why = hosts.failures[guest.host] ?? TBError(.internalError, "host \(guest.host) is not connected")
            return outcome(nil, why)
        }
        if let down = await notRunning(guest, on: host) { return outcome(nil, down) }
        let session: any GuestSession
        do {
            session = try await host.guestSession(guest, user: state.user, keyFile: workspace.keyFile, timeout: connectTimeout)
        } catch {
            return outcome(nil, error.asTBError(.ssh, "cannot reach guest \(guest.name)"))
        }
        do {
            let result = try await session.closing { s in
                try await s.exec(GuestCommand.wrap(guest, command)) { stream, chunk in output(guest, stream, chunk) }
            }
            return outcome(result.status, nil)
        } catch {
            return outcome(nil, error.asTBError(.ssh, "the command did not finish").about("guest \(guest.name)"))
        }
    }

    /// An error when libvirt says the guest's domain does not exist or is not running (so an
    /// absent guest fails at once instead of after the SSH timeout); nil when it runs or
    /// libvirt cannot tell.
    func notRunning(_ guest: Guest, on host: any HostConnection) async -> TBError? {
        do {
            guard let domain = try await host.libvirt.domain(named: guest.domain) else {
                return TBError(.notFound, "guest \(guest.name) does not exist on host \(host.name): run `tbctl up`")
            }
            let s = try await domain.state()
            switch s {
            case .running, .blocked: return nil
            default:
                return TBError(.command, "guest \(guest.name) on host \(host.name) is not running (\(s)): run `tbctl up`")
            }
        } catch {
            return nil
        }
    }
}

extension GuestCommand {
    /// The command line a user gave after `--`: one argument is a shell command line, used as
    /// it is (`'echo $ROLE | tr a-z A-Z'`); several are a program and its arguments, each
    /// quoted so it arrives as given (`sh -c 'exit 3'`).
    public static func commandLine(_ arguments: [String]) -> String {
        arguments.count == 1 ? arguments[0] : arguments.map(shellQuote).joined(separator: " ")
    }
}

/// Writes guests' output: unprefixed when one guest runs (its stdout to stdout, its stderr to
/// stderr, byte for byte); else line by line as `guest | line`, each guest's stdout and
/// stderr to ours, whole lines at a time so guests' lines never interleave mid-line.
public final class GuestOutputPrinter: Sendable {
    private let prefixed: Bool
    private struct Key: Hashable { var guest: String; var stderr: Bool }
    private let pending = Locked([Key: [UInt8]]())
    private let writeLock = Locked(())

    public init(prefixed: Bool) { self.prefixed = prefixed }

    public func write(_ guest: String, _ stream: StdStream, _ bytes: [UInt8]) {
        let fd = stream == .stdout ? STDOUT_FILENO : STDERR_FILENO
        guard prefixed else { return emit(fd, bytes) }
        let key = Key(guest: guest, stderr: stream == .stderr)
        let lines = pending.withLock { all -> [UInt8] in
            var buf = all[key, default: []] + bytes
            guard let last = buf.lastIndex(of: 0x0a) else { all[key] = buf; return [] }
            let complete = buf[...last]
            buf.removeSubrange(...last)
            all[key] = buf
            return prefix(complete, guest)
        }
        if !lines.isEmpty { emit(fd, lines) }
    }

    /// Writes what is left of a guest's last lines (output that did not end with a newline).
    public func finish(_ guest: String) {
        guard prefixed else { return }
        for stderr in [false, true] {
            let rest = pending.withLock { $0.removeValue(forKey: Key(guest: guest, stderr: stderr)) ?? [] }
            if !rest.isEmpty { emit(stderr ? STDERR_FILENO : STDOUT_FILENO, prefix(rest[...] + [0x0a], guest)) }
        }
    }

    private func prefix(_ text: ArraySlice<UInt8>, _ guest: String) -> [UInt8] {
        let head = Array("\(guest) | ".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(text.count + head.count * 4)
        var start = true
        for b in text {
            if start { out += head; start = false }
            out.append(b)
            if b == 0x0a { start = true }
        }
        return out
    }

    private func emit(_ fd: Int32, _ bytes: [UInt8]) {
        writeLock.withLock { _ in
            var offset = 0
            while offset < bytes.count {
                let n = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return }   // a closed pipe: the reader has gone
                offset += n
            }
        }
    }
}
