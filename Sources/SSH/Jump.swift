import CLibSSH2
import Core
#if canImport(Glibc)
import Glibc
#endif

/// Proxied sessions, like OpenSSH's ProxyJump but without an `ssh` binary: the jump session
/// opens a direct-tcpip channel to the target, and a socket pair joins that channel to the
/// inner session. The inner session owns one end as its socket (its own I/O loop and thread,
/// like any session); this operation, on the jump session's loop, pumps bytes between the
/// other end and the channel. Many inner sessions can ride on one jump session.
extension SSHSession {
    /// Opens a tunnel to host:port from the jump server; returns the inner session's socket.
    /// Throws ConnectFailure.
    func openTunnel(host: String, port: Int, timeout: Duration, for label: String) async throws -> Int32 {
        let pair: (Int32, Int32)
        do {
            pair = try Sockets.socketPair()
        } catch {
            throw ConnectFailure(kind: .refused, error: error.asTBError(.ssh).about(label))
        }
        return try await perform({
            TunnelOp(host: host, port: port, timeout: timeout, label: label, local: pair.0, remote: pair.1, waiter: $0)
        }, cancel: { $0.cancel() })
    }
}

/// A direct-tcpip channel and the pump between it and a socket pair.
final class TunnelOp: LoopOperation, @unchecked Sendable {
    private enum State { case opening, pumping, freeing }

    private var state = State.opening
    private let host: String
    private let port: Int
    private let timeout: Duration
    private let label: String
    /// Our end of the socket pair; the other end goes to the inner session once open.
    private let local: Int32
    private var remote: Int32
    private var waiter: Waiter<Int32>
    private var channel: OpaquePointer?
    private var openDeadline: ContinuousClock.Instant?

    /// Bytes from the inner session on their way into the channel, and back.
    private let up = Buffer(size: 64 << 10)
    private let down = Buffer(size: 256 << 10)
    private var localClosed = false
    private var channelEnded = false

    init(host: String, port: Int, timeout: Duration, label: String, local: Int32, remote: Int32,
         waiter: CheckedContinuation<Int32, any Error>) {
        self.host = host
        self.port = port
        self.timeout = timeout
        self.label = label
        self.local = local
        self.remote = remote
        self.waiter = Waiter(waiter)
        self.openDeadline = .now + timeout
    }

    deinit {
        Glibc.close(local)
        if remote >= 0 { Glibc.close(remote) }  // never handed over
    }

    var deadline: ContinuousClock.Instant? { state == .opening && waiter.isWaiting ? openDeadline : nil }

    func step(_ loop: IOLoop) -> StepResult {
        switch state {
        case .opening: return open(loop)
        case .pumping: return pump(loop)
        case .freeing: return free(loop)
        }
    }

    func abort(_ error: TBError) {
        waiter.fail(ConnectFailure(kind: .refused, error: error.about(label)))
    }

    func cancel() {
        waiter.fail(ConnectFailure(kind: .refused, error: TBError(.cancelled, "connect interrupted", object: label)))
    }

    private func open(_ loop: IOLoop) -> StepResult {
        if waiter.isWaiting, let openDeadline, ContinuousClock.now >= openDeadline {
            waiter.fail(ConnectFailure(kind: .timedOut, error: TBError(
                .timeout, "no tunnel to \(Sockets.endpoint(host, port)) through \(loop.label) within \(timeout.secondsText)", object: label)))
        }
        if !waiter.isWaiting && !loop.isOpening(self) { return .finished }  // gave up while queued
        let outcome = loop.openChannel(for: self, isSessionChannel: false) {
            libssh2_channel_direct_tcpip_ex($0, host, Int32(port), "127.0.0.1", 0)
        }
        switch outcome {
        case .waiting(let interest):
            return .waiting(interest)
        case .failed(let code, let cause):
            if cause.contains("administratively prohibited") {
                // sshd forbids forwarding: no retry will help, and the fix is on that host.
                waiter.fail(ConnectFailure(kind: .refused, error: TBError(
                    .ssh, "\(loop.label) does not allow TCP forwarding, which reaching \(Sockets.endpoint(host, port)) through it needs: "
                        + "set `AllowTcpForwarding yes` in its sshd_config", object: label, cause: cause)))
                return .finished
            }
            // The jump server could not reach the target (nothing listening yet, or no route):
            // the answer a booting guest gives, so a retry may help.
            let error = TBError(.ssh, "\(loop.label) cannot reach \(Sockets.endpoint(host, port))", object: label, cause: cause)
            waiter.fail(ConnectFailure(kind: LibSSH2.isFatalToSession(code) ? .refused : .unreachable, error: error))
            if LibSSH2.isFatalToSession(code) { loop.fail(error) }
            return .finished
        case .opened(let channel):
            self.channel = channel
            guard waiter.isWaiting else {
                state = .freeing
                return .progressed
            }
            state = .pumping
            waiter.succeed(remote)
            remote = -1
            return .progressed
        }
    }

    private func pump(_ loop: IOLoop) -> StepResult {
        guard let channel else { return .finished }
        var interest = Interest()
        var progressed = inward(loop, channel, &interest)
        progressed = outward(loop, channel, &interest) || progressed
        // The inner session closed its socket: it is finished with the tunnel.
        if localClosed && up.isEmpty {
            state = .freeing
            return .progressed
        }
        return progressed ? .progressed : .waiting(interest)
    }

    /// Inner session -> channel.
    private func inward(_ loop: IOLoop, _ channel: OpaquePointer, _ interest: inout Interest) -> Bool {
        var progressed = false
        if up.isEmpty && !localClosed {
            if loop.transport.acceptsBulk {
                switch up.fill(from: local) {
                case .some(0): localClosed = true; progressed = true
                case .some: progressed = true
                case .none: interest.add(fd: local, Int16(POLLIN))
                }
            } else {
                interest.session = true  // wait for the socket backlog to drain
            }
        }
        if !up.isEmpty {
            let n = up.withPending { libssh2_channel_write_ex(channel, 0, $0.assumingMemoryBound(to: CChar.self), $1) }
            if n > 0 {
                up.consume(n)
                progressed = true
            } else if n == 0 || n == LibSSH2.eagain || n == LIBSSH2_ERROR_CHANNEL_WINDOW_FULL {
                interest.session = true
            } else {
                closeFromChannel(loop, code: Int32(n))
                progressed = true
            }
        }
        return progressed
    }

    /// Channel -> inner session.
    private func outward(_ loop: IOLoop, _ channel: OpaquePointer, _ interest: inout Interest) -> Bool {
        var progressed = false
        if down.isEmpty && !channelEnded {
            let n = down.withSpace { libssh2_channel_read_ex(channel, 0, $0.assumingMemoryBound(to: CChar.self), $1) }
            if n > 0 {
                down.produced(n)
                progressed = true
            } else if n == 0 && libssh2_channel_eof(channel) != 0 {
                // The target closed its side: tell the inner session by half-closing.
                channelEnded = true
                shutdown(local, Int32(SHUT_WR))
                progressed = true
            } else if n == 0 || n == LibSSH2.eagain {
                interest.session = true
            } else {
                closeFromChannel(loop, code: Int32(n))
                progressed = true
            }
        }
        if !down.isEmpty {
            switch down.drain(to: local) {
            case .some(0): interest.add(fd: local, Int16(POLLOUT))
            case .some: progressed = true
            case .none: localClosed = true; down.clear(); progressed = true  // inner side gone
            }
        }
        return progressed
    }

    /// The channel failed: the inner session sees its socket close.
    private func closeFromChannel(_ loop: IOLoop, code: Int32) {
        if LibSSH2.isFatalToSession(code) {
            loop.fail(TBError(.ssh, "connection lost", object: loop.label, cause: LibSSH2.describe(loop.session, code: code)))
        }
        shutdown(local, Int32(SHUT_RDWR))
        localClosed = true
        up.clear()
        down.clear()
    }

    private func free(_ loop: IOLoop) -> StepResult {
        if let channel {
            guard loop.freeChannel(channel, isSessionChannel: false) else { return .waiting(.session) }
            self.channel = nil
        }
        return .finished
    }
}

/// A fixed byte buffer with a pending region [start, end), for the tunnel pump.
final class Buffer {
    private let storage: UnsafeMutableRawBufferPointer
    private var start = 0
    private var end = 0

    init(size: Int) { storage = .allocate(byteCount: size, alignment: 16) }
    deinit { storage.deallocate() }

    var isEmpty: Bool { start == end }

    func clear() {
        start = 0
        end = 0
    }

    func consume(_ n: Int) {
        start += n
        if start == end { clear() }
    }

    func produced(_ n: Int) {
        start = 0
        end = n
    }

    func withPending<R>(_ body: (UnsafeMutableRawPointer, Int) -> R) -> R {
        body(storage.baseAddress! + start, end - start)
    }

    func withSpace<R>(_ body: (UnsafeMutableRawPointer, Int) -> R) -> R {
        body(storage.baseAddress!, storage.count)
    }

    /// recv(2) into the empty buffer: bytes read (0 at EOF), nil when nothing is there yet.
    func fill(from fd: Int32) -> Int? {
        while true {
            let n = recv(fd, storage.baseAddress, storage.count, 0)
            if n > 0 { produced(n) }
            if n >= 0 { return n }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { return nil }
            return 0  // reset: same as closed
        }
    }

    /// send(2) of the pending bytes: bytes written (0 when the socket is full), nil if it is gone.
    func drain(to fd: Int32) -> Int? {
        while true {
            let n = send(fd, storage.baseAddress! + start, end - start, Int32(MSG_NOSIGNAL))
            if n > 0 { consume(n) }
            if n >= 0 { return n }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { return 0 }
            return nil
        }
    }
}
