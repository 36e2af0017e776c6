import CLibSSH2

/// How the client authenticates: a public key (tbctl puts the project key on every guest and
/// uses the configured identity for hosts), or a password (the `login:` of an appliance image).
public enum SSHAuth: Sendable {
    /// Password authentication (`login: {password_file: ...}`).
    case password(String)
    /// An OpenSSH or PEM private key file (unencrypted); the public half is derived from it.
    case privateKeyFile(String)
    /// The same, in memory (e.g. `Ed25519Key.privatePEM`).
    case privateKey(pem: String)

    /// One non-blocking step of public key authentication: 0, EAGAIN or a libssh2 error.
    /// libssh2 re-reads its arguments on every call, so they are simply passed again.
    func attempt(_ session: OpaquePointer, user: String) -> Int32 {
        let userLength = user.utf8.count
        switch self {
        case .password(let password):
            return libssh2_userauth_password_ex(session, user, UInt32(userLength), password,
                                                UInt32(password.utf8.count), nil)
        case .privateKeyFile(let path):
            return libssh2_userauth_publickey_fromfile_ex(session, user, UInt32(userLength), nil, path, "")
        case .privateKey(let pem):
            let bytes = Array(pem.utf8)
            return bytes.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { key in
                    libssh2_userauth_publickey_frommemory(session, user, userLength, nil, 0, key.baseAddress, key.count, "")
                }
            }
        }
    }

    /// For messages: which key was refused.
    var keyDescription: String {
        switch self {
        case .password: return "the password"
        case .privateKeyFile(let path): return "key file \(path)"
        case .privateKey: return "the given in-memory key"
        }
    }
}
