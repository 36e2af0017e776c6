import Core
import Foundation
import SSH
import TestbedState

extension HostConnection {
    /// An SSH session to a guest of this host, waiting while it boots. The guest must present
    /// exactly the host key tbctl generated for it. Guests on the master are reached directly
    /// on the management network; guests on a remote host through that host's SSH session
    /// (a direct-tcpip channel: no `ssh` binary, no port exposed).
    public func guestSession(_ guest: Guest, user: String, keyFile: String,
                             timeout: Duration = .seconds(180)) async throws -> SSHSession {
        let blob = try Self.hostKeyBlob(guest.hostKey)
        do {
            return try await SSHSession.waitUntilReachable(
                host: guest.managementIP, user: user, auth: .privateKeyFile(keyFile),
                hostKey: .exact(blob: blob), through: session, timeout: timeout)
        } catch {
            throw error.asTBError(.ssh, "cannot reach guest over SSH").about("guest \(guest.name) on host \(name)")
        }
    }

    /// The wire blob of an `ssh-ed25519 AAAA… comment` line.
    static func hostKeyBlob(_ line: String) throws -> [UInt8] {
        let parts = line.split(separator: " ")
        guard parts.count >= 2, let data = Data(base64Encoded: String(parts[1])) else {
            throw TBError(.internalError, "malformed host key in state: \(line)")
        }
        return Array(data)
    }
}
