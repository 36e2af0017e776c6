import CLibSSH2
import Core
#if canImport(Glibc)
import Glibc
#endif

/// Why a connect attempt failed. `connect` reports only `error`; `waitUntilReachable` uses
/// `kind` to decide whether trying again can help.
struct ConnectFailure: Error {
    enum Kind {
        /// Nothing listens yet, or no route (TCP refused/unreachable, tunnel open refused).
        case unreachable
        /// Something listens but dropped us before the session was up (sshd still starting).
        case notReady
        /// The attempt ran out of time.
        case timedOut
        /// A definite answer: authentication or host key refused, no common algorithms.
        case refused
    }
    let kind: Kind
    let error: TBError

    var isTransient: Bool { kind != .refused }

    /// What public API callers see: the TBError, or CancellationError when the task was
    /// cancelled (as for every other cancelled SSH call).
    var publicError: any Error {
        error.code == .cancelled ? CancellationError() : error
    }
}

/// TCP connect (unless the socket is a tunnel's), SSH handshake, host key check and public
/// key authentication, as one operation with one deadline. On failure it ends the session.
final class HandshakeOp: LoopOperation, @unchecked Sendable {
    private enum Stage { case connecting, handshaking, authenticating }

    private var stage: Stage
    private let host: String
    private let port: Int
    private let user: String
    private let auth: SSHAuth
    private let policy: HostKeyPolicy
    private let timeout: Duration
    let deadline: ContinuousClock.Instant?
    private var waiter: Waiter<[UInt8]>
    private var hostKey: [UInt8] = []

    init(host: String, port: Int, user: String, auth: SSHAuth, policy: HostKeyPolicy, timeout: Duration,
         tcpConnectPending: Bool, waiter: CheckedContinuation<[UInt8], any Error>) {
        self.stage = tcpConnectPending ? .connecting : .handshaking
        self.host = host
        self.port = port
        self.user = user
        self.auth = auth
        self.policy = policy
        self.timeout = timeout
        self.deadline = .now + timeout
        self.waiter = Waiter(waiter)
    }

    func step(_ loop: IOLoop) -> StepResult {
        if let deadline, ContinuousClock.now >= deadline { return timedOut(loop) }
        switch stage {
        case .connecting: return connect(loop)
        case .handshaking: return handshake(loop)
        case .authenticating: return authenticate(loop)
        }
    }

    func abort(_ error: TBError) {
        waiter.fail(ConnectFailure(kind: .refused, error: error))
    }

    private var endpoint: String { Sockets.endpoint(host, port) }

    private func connect(_ loop: IOLoop) -> StepResult {
        let fd = loop.transport.fd
        guard Sockets.isReady(fd, Int16(POLLOUT)) else {
            var interest = Interest()
            interest.add(fd: fd, Int16(POLLOUT))
            return .waiting(interest)
        }
        let err = Sockets.connectResult(fd)
        guard err == 0 else {
            return fail(.unreachable, Sockets.connectError(host: host, port: port, errno: err).about(loop.label), loop)
        }
        stage = .handshaking
        return .progressed
    }

    private func handshake(_ loop: IOLoop) -> StepResult {
        let rc = libssh2_session_handshake(loop.session, loop.transport.fd)
        if rc == LibSSH2.eagain { return .waiting(.session) }
        guard rc == 0 else {
            // A peer that hangs up before or during key exchange is usually an sshd that is
            // not ready yet (booting guest, MaxStartups); anything else is a real refusal.
            let dropped = Self.isDropped(rc)
            let message = dropped ? "\(endpoint) closed the connection during the SSH handshake"
                                  : "SSH handshake with \(endpoint) failed"
            return fail(dropped ? .notReady : .refused,
                        TBError(.ssh, message, object: loop.label, cause: LibSSH2.describe(loop.session, code: rc)), loop)
        }
        var length = 0
        var type: Int32 = 0
        guard let key = libssh2_session_hostkey(loop.session, &length, &type), length > 0 else {
            return fail(.refused, TBError(.ssh, "\(endpoint) presented no host key", object: loop.label), loop)
        }
        hostKey = Array(UnsafeRawBufferPointer(start: key, count: length))
        do {
            try policy.verify(blob: hostKey, host: host, port: port, label: loop.label)
        } catch {
            return fail(.refused, error.asTBError(.hostKeyMismatch), loop)
        }
        stage = .authenticating
        return .progressed
    }

    private func authenticate(_ loop: IOLoop) -> StepResult {
        let rc = auth.attempt(loop.session, user: user)
        if rc == LibSSH2.eagain { return .waiting(.session) }
        guard rc == 0 else {
            let cause = LibSSH2.describe(loop.session, code: rc)
            // The connection dropped (sshd restarted by a booting guest's cloud-init): try again.
            if Self.isDropped(rc) {
                return fail(.notReady, TBError(.ssh, "\(endpoint) closed the connection during authentication",
                                               object: loop.label, cause: cause), loop)
            }
            if rc == Int32(LIBSSH2_ERROR_FILE) {
                return fail(.refused, TBError(.io, "cannot use \(auth.keyDescription) to log in to \(endpoint)",
                                              object: loop.label, cause: cause), loop)
            }
            let error = TBError(.ssh, "authentication as \(user) on \(endpoint) failed: the server did not accept \(auth.keyDescription)",
                                object: loop.label, cause: cause)
            return fail(.refused, error, loop)
        }
        loop.established = true
        waiter.succeed(hostKey)
        return .finished
    }

    /// The peer hung up or the socket failed: not an answer, so not a refusal.
    static func isDropped(_ rc: Int32) -> Bool {
        [LIBSSH2_ERROR_SOCKET_DISCONNECT, LIBSSH2_ERROR_SOCKET_RECV, LIBSSH2_ERROR_BANNER_RECV,
         LIBSSH2_ERROR_SOCKET_SEND, LIBSSH2_ERROR_SOCKET_NONE].map { Int32($0) }.contains(rc)
    }

    private func timedOut(_ loop: IOLoop) -> StepResult {
        let what: String
        switch stage {
        case .connecting: what = "the TCP connection was not accepted"
        case .handshaking: what = "no SSH banner or key exchange"
        case .authenticating: what = "authentication was not answered"
        }
        return fail(.timedOut, TBError(.timeout, "no SSH session with \(endpoint) within \(timeout.secondsText): \(what)", object: loop.label), loop)
    }

    private func fail(_ kind: ConnectFailure.Kind, _ error: TBError, _ loop: IOLoop) -> StepResult {
        waiter.fail(ConnectFailure(kind: kind, error: error))
        loop.fail(error)
        return .finished
    }
}
