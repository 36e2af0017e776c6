import Core

/// An authenticated SSH connection to a host or guest, usable from many tasks at once: every
/// call opens its own channel, and all channels of a session progress in parallel on the
/// session's I/O thread (see IOLoop). Sessions reached through another session
/// (`connect(through:)`) keep that session alive.
public final class SSHSession: Sendable {
    let loop: IOLoop
    /// The server's host key (SSH wire blob), as verified at connect time.
    public let hostKeyBlob: [UInt8]
    /// "user@host:port", plus " via <jump endpoint>" for proxied sessions; used in messages.
    public let endpoint: String
    private let jump: SSHSession?

    private init(loop: IOLoop, hostKeyBlob: [UInt8], jump: SSHSession?) {
        self.loop = loop
        self.hostKeyBlob = hostKeyBlob
        self.endpoint = loop.label
        self.jump = jump
    }

    deinit {
        loop.requestClose(TBError(.ssh, "session closed", object: endpoint))
    }

    /// Connects over TCP, checks the host key, authenticates. `timeout` bounds all of it.
    public static func connect(host: String, port: Int = 22, user: String, auth: SSHAuth,
                               hostKey: HostKeyPolicy, timeout: Duration) async throws -> SSHSession {
        do {
            return try await establish(host: host, port: port, user: user, auth: auth, hostKey: hostKey,
                                       timeout: timeout, through: nil)
        } catch let failure as ConnectFailure {
            throw failure.publicError
        }
    }

    /// Connects to host:port as seen from `jump`'s server (a direct-tcpip channel, like
    /// OpenSSH's ProxyJump), and runs this session inside that channel.
    public static func connect(through jump: SSHSession, host: String, port: Int = 22, user: String, auth: SSHAuth,
                               hostKey: HostKeyPolicy, timeout: Duration) async throws -> SSHSession {
        do {
            return try await establish(host: host, port: port, user: user, auth: auth, hostKey: hostKey,
                                       timeout: timeout, through: jump)
        } catch let failure as ConnectFailure {
            throw failure.publicError
        }
    }

    /// Closes the session; operations still running on it fail. Idempotent.
    public func close() async {
        await loop.close(TBError(.ssh, "session closed", object: endpoint))
    }

    /// One connect attempt; throws ConnectFailure.
    static func establish(host: String, port: Int, user: String, auth: SSHAuth, hostKey: HostKeyPolicy,
                          timeout: Duration, through jump: SSHSession?) async throws -> SSHSession {
        let deadline = ContinuousClock.now + timeout
        var label = "\(user)@\(Sockets.endpoint(host, port))"
        let fd: Int32
        if let jump {
            label += " via \(jump.endpoint)"
            fd = try await jump.openTunnel(host: host, port: port, timeout: timeout, for: label)
        } else {
            do {
                fd = try await blocking { try Sockets.startConnect(host: host, port: port) }
            } catch let failure as ConnectFailure {
                throw ConnectFailure(kind: failure.kind, error: failure.error.about(label))
            }
        }
        let loop: IOLoop
        do {
            loop = try IOLoop(label: label, fd: fd)
        } catch {
            throw ConnectFailure(kind: .refused, error: error.asTBError(.ssh))
        }
        loop.start()
        let blob = try await handshake(on: loop, host: host, port: port, user: user, auth: auth, hostKey: hostKey,
                                       timeout: ContinuousClock.now.duration(to: deadline), tcpConnectPending: jump == nil)
        return SSHSession(loop: loop, hostKeyBlob: blob, jump: jump)
    }

    private static func handshake(on loop: IOLoop, host: String, port: Int, user: String, auth: SSHAuth,
                                  hostKey: HostKeyPolicy, timeout: Duration, tcpConnectPending: Bool) async throws -> [UInt8] {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (cont: CheckedContinuation<[UInt8], any Error>) in
                let op = HandshakeOp(host: host, port: port, user: user, auth: auth, policy: hostKey, timeout: timeout,
                                     tcpConnectPending: tcpConnectPending, waiter: cont)
                if !loop.submit({ $0.add(op) }) {
                    // Closed already: by the cancellation handler when the task was cancelled
                    // before this body ran (it runs first then), which must read as a cancel.
                    let error = Task.isCancelled ? TBError(.cancelled, "connect interrupted", object: loop.label)
                        : TBError(.ssh, "session closed", object: loop.label)
                    cont.resume(throwing: ConnectFailure(kind: .refused, error: error))
                }
            }
        } onCancel: {
            loop.requestClose(TBError(.cancelled, "connect interrupted", object: loop.label))
        }
    }

    /// Submits an operation to this session and waits for its result; a cancelled task
    /// cancels the operation (`cancel` runs on the loop thread).
    func perform<T: Sendable, Op: LoopOperation & Sendable>(
        _ make: (CheckedContinuation<T, any Error>) -> Op, cancel: @escaping @Sendable (Op) -> Void
    ) async throws -> T {
        let handle = Locked<Op?>(nil)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (cont: CheckedContinuation<T, any Error>) in
                let op = make(cont)
                handle.withLock { $0 = op }
                guard loop.submit({ $0.add(op) }) else {
                    op.abort(TBError(.ssh, "session is closed", object: endpoint))
                    return
                }
                if Task.isCancelled { loop.submit { _ in cancel(op) } }
            }
        } onCancel: {
            if let op = handle.current { loop.submit { _ in cancel(op) } }
        }
    }
}
