import CLibSSH2
import Core

/// Process-wide libssh2 state and error helpers.
enum LibSSH2 {
    /// `libssh2_init` sets up the crypto backend and is not thread-safe: a static `let` runs it
    /// exactly once, the first time any session is created.
    private static let initResult: Int32 = libssh2_init(0)

    static func ensureInitialized() throws {
        guard initResult == 0 else {
            throw TBError(.ssh, "libssh2 could not initialise its crypto backend (libssh2_init returned \(initResult))")
        }
    }

    static let eagain = Int32(LIBSSH2_ERROR_EAGAIN)

    /// The last error libssh2 recorded on a session, as code and message.
    static func lastError(_ session: OpaquePointer) -> (code: Int32, message: String) {
        var message: UnsafeMutablePointer<CChar>?
        var length: Int32 = 0
        let code = libssh2_session_last_error(session, &message, &length, 0)
        return (code, message.map { String(cString: $0) } ?? "")
    }

    /// "libssh2: <message> (<code>)", for the `cause` of an error.
    static func describe(_ session: OpaquePointer, code: Int32? = nil) -> String {
        let last = lastError(session)
        let shown = code ?? last.code
        let text = last.message.isEmpty ? "error" : last.message
        return "libssh2: \(text) (\(shown))"
    }

    /// Errors after which the whole session is unusable (the transport or its crypto broke),
    /// as opposed to one channel failing. Not LIBSSH2_ERROR_TIMEOUT: on an established session
    /// it is libssh2's 60 s limit on one reply (a tunnel open that sshd cannot connect yet),
    /// which fails that channel only; a dead peer shows as a socket error.
    static func isFatalToSession(_ code: Int32) -> Bool {
        switch code {
        case Int32(LIBSSH2_ERROR_SOCKET_NONE), Int32(LIBSSH2_ERROR_BANNER_RECV), Int32(LIBSSH2_ERROR_BANNER_SEND),
             Int32(LIBSSH2_ERROR_INVALID_MAC), Int32(LIBSSH2_ERROR_KEX_FAILURE), Int32(LIBSSH2_ERROR_SOCKET_SEND),
             Int32(LIBSSH2_ERROR_KEY_EXCHANGE_FAILURE), Int32(LIBSSH2_ERROR_DECRYPT),
             Int32(LIBSSH2_ERROR_SOCKET_DISCONNECT), Int32(LIBSSH2_ERROR_PROTO), Int32(LIBSSH2_ERROR_SOCKET_RECV),
             Int32(LIBSSH2_ERROR_ENCRYPT), Int32(LIBSSH2_ERROR_BAD_SOCKET), Int32(LIBSSH2_ERROR_SOCKET_TIMEOUT):
            return true
        default:
            return false
        }
    }
}
