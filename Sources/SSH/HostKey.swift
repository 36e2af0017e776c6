import Core
import Foundation

/// How a session decides whether to trust the key the server presents.
public enum HostKeyPolicy: Sendable {
    /// Guests: tbctl generated the guest's host key, so exactly that key is accepted.
    case exact(blob: [UInt8])
    /// Hosts: the project's OpenSSH known_hosts file. The first contact records the key
    /// (trust on first use); a different key later is refused.
    case knownHosts(file: String)
    /// Guests whose image brings its own host key (no seed): trust on first use like
    /// `knownHosts`, recorded under `alias` (the name OpenSSH's `HostKeyAlias` gives it) rather
    /// than the address, so `ssh -F .testbed/ssh_config` reads the same entry.
    case recorded(file: String, alias: String)
}

/// Host key blobs (SSH wire format: string type, then type-specific fields).
public enum HostKeys {
    /// The key type named inside the blob, e.g. "ssh-ed25519".
    public static func keyType(_ blob: [UInt8]) -> String {
        var reader = SSHWireReader(blob)
        return (try? reader.string()) ?? "unknown"
    }

    /// The fingerprint as OpenSSH prints it: "SHA256:" and unpadded base64.
    public static func fingerprint(_ blob: [UInt8]) -> String {
        let b64 = Data(Digest.sha256(blob)).base64EncodedString()
        return "SHA256:" + b64.trimmingCharacters(in: CharacterSet(charactersIn: "="))
    }

    static func describe(_ blob: [UInt8]) -> String { "\(keyType(blob)) \(fingerprint(blob))" }
}

extension HostKeyPolicy {
    /// Throws `.hostKeyMismatch` unless the policy accepts `blob` from host:port.
    func verify(blob: [UInt8], host: String, port: Int, label: String) throws {
        switch self {
        case .exact(let expected):
            guard blob == expected else {
                throw TBError(.hostKeyMismatch, "\(Sockets.endpoint(host, port)) presented a host key other than the one tbctl generated for it",
                              object: label,
                              cause: """
                              presented: \(HostKeys.describe(blob))
                              expected:  \(HostKeys.describe(expected))
                              The guest may not have applied its cloud-init seed (which installs that key), \
                              or another machine answers at this address.
                              """)
            }
        case .knownHosts(let path):
            try verifyKnownHosts(KnownHostsFile(path: path), blob: blob, host: host, port: port, label: label)
        case .recorded(let path, let alias):
            try verifyKnownHosts(KnownHostsFile(path: path), blob: blob, host: alias, port: 22, label: label)
        }
    }

    private func verifyKnownHosts(_ file: KnownHostsFile, blob: [UInt8], host: String, port: Int, label: String) throws {
        let token = KnownHostsFile.hostToken(host: host, port: port)
        switch try file.checkOrRecord(host: host, port: port, blob: blob) {
        case .known, .unknown:
            return
        case .revoked(let entry):
            throw TBError(.hostKeyMismatch, "host key of \(token) is marked @revoked in \(file.path) (line \(entry.line))",
                          object: label, cause: "presented: \(HostKeys.describe(blob))")
        case .changed(let recorded):
            let lines = recorded.map { "recorded:  \(HostKeys.describe($0.blob)) (line \($0.line))" }
            throw TBError(.hostKeyMismatch, "host key of \(token) differs from the one recorded in \(file.path)",
                          object: label,
                          cause: (["presented: \(HostKeys.describe(blob))"] + lines).joined(separator: "\n") + """

                          If the host was reinstalled or its keys regenerated, remove the old entry with \
                          `ssh-keygen -R '\(token)' -f \(file.path)` and connect again. Otherwise someone \
                          may be intercepting the connection: do not go on.
                          """)
        }
    }
}
