import CLibSSH2
import Core

/// The outcome of one attempt to advance a channel open.
enum OpenOutcome {
    case waiting(Interest)
    case opened(OpaquePointer)
    case failed(code: Int32, cause: String)
}

/// What to do after sshd refused a session channel.
enum SessionOpenRetry {
    case now
    case at(ContinuousClock.Instant)
    case giveUp
}

/// Channel opens take turns.
///
/// libssh2 keeps the state of a channel open in the session (`open_state`, also behind
/// `direct_tcpip`), not in the channel, so only one open may be in flight per session.
/// Operations queue here in submission order (the loop steps them in that order). An open
/// that has started is driven to its end even when its caller has gone away: abandoning it
/// would hand the half-open channel to whichever operation opens next.
///
/// Exec channels also respect a per-connection limit: OpenSSH's sshd refuses more than
/// MaxSessions (default 10) session channels on one connection, so further execs wait for a
/// free one instead of failing. Tunnels (direct-tcpip) do not count against that limit.
extension IOLoop {
    /// Start value of `sessionChannelLimit`: OpenSSH's default MaxSessions.
    static let defaultSessionChannelLimit = 10

    /// A session channel open was refused. Decides whether the exec should try again
    /// rather than fail, learning the server's real limit on the way:
    /// - sshd releases a closed session only after it has processed the whole batch of
    ///   packets the CLOSE came in, so an OPEN sent right behind a CLOSE can be refused
    ///   although a place is free. By the time the refusal arrives that batch is done,
    ///   so the first refusal is retried at once (`retried` remembers it).
    /// - A second refusal while other session channels are open means the server allows
    ///   fewer than we assumed: the limit drops to what is open now and the exec waits for
    ///   a channel to be freed, then tries again.
    /// - With no session channel open but one freed within `releaseGrace`, sshd may still
    ///   count it: it keeps a session until it has reaped the command's process, which on a
    ///   busy host takes a while. Try again after a pause (`attempt` doubles it).
    /// - Otherwise, with no session channel open, the server refuses sessions: give up.
    func sessionOpenRetry(code: Int32, retried: inout Bool, attempt: Int) -> SessionOpenRetry {
        guard code == LIBSSH2_ERROR_CHANNEL_FAILURE else { return .giveUp }
        if !retried {
            retried = true
            return .now
        }
        if sessionChannels > 0 {
            sessionChannelLimit = sessionChannels
            retried = false
            return .now
        }
        let now = ContinuousClock.now
        guard let freed = lastSessionFree, freed.duration(to: now) < Self.releaseGrace else { return .giveUp }
        return .at(now + .milliseconds(25 << min(attempt, 4)))
    }

    /// How long after freeing a session channel a refusal may still be sshd's late release.
    static let releaseGrace = Duration.seconds(5)

    /// Tries to open a channel for `operation` with `call` (a libssh2 open function).
    func openChannel(for operation: AnyObject, isSessionChannel: Bool,
                     _ call: (OpaquePointer) -> OpaquePointer?) -> OpenOutcome {
        let me = ObjectIdentifier(operation)
        if openHolder == nil {
            if isSessionChannel && sessionChannels >= sessionChannelLimit { return .waiting(.otherOperation) }
            openHolder = me
        }
        guard openHolder == me else { return .waiting(.otherOperation) }
        if let channel = call(session) {
            openHolder = nil
            if isSessionChannel { sessionChannels += 1 }
            return .opened(channel)
        }
        let code = libssh2_session_last_errno(session)
        if code == LibSSH2.eagain { return .waiting(.session) }
        openHolder = nil
        return .failed(code: code, cause: LibSSH2.describe(session, code: code))
    }

    /// Channel requests (exec) take turns too. libssh2 waits for a request's reply by reading
    /// packets; when the packet it reads is a CHANNEL_SUCCESS or FAILURE for another
    /// channel, the wait fails (-1, "Failed waiting for channel success") and the channel
    /// cannot be used again. With one request in flight per session, every such reply is the
    /// waiting one's. Seen with twenty parallel execs on a loaded host.
    func takeRequestTurn(_ operation: AnyObject) -> Bool {
        let me = ObjectIdentifier(operation)
        if requestHolder == nil { requestHolder = me }
        return requestHolder == me
    }

    func holdsRequestTurn(_ operation: AnyObject) -> Bool { requestHolder == ObjectIdentifier(operation) }

    func endRequestTurn(_ operation: AnyObject) {
        if requestHolder == ObjectIdentifier(operation) { requestHolder = nil }
    }

    /// Whether `operation` has an open in flight (and so must not be abandoned yet).
    func isOpening(_ operation: AnyObject) -> Bool {
        openHolder == ObjectIdentifier(operation)
    }

    /// Frees a channel; false while libssh2 still waits for the server (EAGAIN).
    func freeChannel(_ channel: OpaquePointer, isSessionChannel: Bool) -> Bool {
        if libssh2_channel_free(channel) == LibSSH2.eagain { return false }
        if isSessionChannel {
            sessionChannels -= 1
            lastSessionFree = .now
        }
        return true
    }
}
