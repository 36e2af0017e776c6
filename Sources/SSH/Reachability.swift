import Core

extension SSHSession {
    /// Connects to a machine that may still be booting: retries while nothing listens yet
    /// (TCP refused or unreachable, tunnel open refused by the jump host), while the attempt
    /// times out, or while sshd drops the connection before the session is up; gives up at
    /// once on a definite answer (authentication refused, host key mismatch).
    ///
    /// This is the one place in tbctl's SSH code that retries on a timer: sshd gives no event
    /// a client could wait for, so after a failed attempt the only way to learn that it is up
    /// is to try again. The pause between attempts starts at 100 ms and doubles up to 1 s.
    ///
    /// Each attempt gets at most `attemptTimeout`; the whole wait ends after `timeout` with a
    /// `.timeout` error carrying the last failure.
    public static func waitUntilReachable(host: String, port: Int = 22, user: String, auth: SSHAuth,
                                          hostKey: HostKeyPolicy, through jump: SSHSession? = nil,
                                          timeout: Duration, attemptTimeout: Duration = .seconds(10)) async throws -> SSHSession {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var pause = Duration.milliseconds(100)
        var last: TBError?
        while clock.now < deadline {
            let budget = min(attemptTimeout, clock.now.duration(to: deadline))
            do {
                return try await establish(host: host, port: port, user: user, auth: auth, hostKey: hostKey,
                                           timeout: budget, through: jump)
            } catch let failure as ConnectFailure {
                guard failure.isTransient else { throw failure.publicError }
                // An attempt cut short by the overall deadline says less than the one before it.
                if last == nil || failure.kind != .timedOut || budget == attemptTimeout { last = failure.error }
            }
            try await Task.sleep(for: min(pause, clock.now.duration(to: deadline)))
            pause = min(pause * 2, .seconds(1))
        }
        let target = Sockets.endpoint(host, port) + (jump.map { " via \($0.endpoint)" } ?? "")
        throw TBError(.timeout, "\(user)@\(target) did not accept an SSH session within \(timeout.secondsText)",
                      cause: last?.description)
    }
}
