import Core
import Foundation
import Hosts
import SSH
import TestbedState

extension LiveHost {
    /// Guests on the master are reached directly on the management network; guests on a remote
    /// host through that host's SSH session (a direct-tcpip channel: no `ssh` binary, no port
    /// exposed).
    public func guestSession(_ guest: Guest, user: String, keyFile: String,
                             timeout: Duration) async throws -> any GuestSession {
        let (user, auth, hostKey) = try Self.access(guest, user: user, keyFile: keyFile)
        do {
            return LiveGuestSession(session: try await SSHSession.waitUntilReachable(
                host: guest.managementIP, user: user, auth: auth,
                hostKey: hostKey, through: session, timeout: timeout))
        } catch {
            throw error.asTBError(.ssh, "cannot reach guest over SSH").about("guest \(guest.name) on host \(name)")
        }
    }

    public func canConnect(toGuest guest: Guest, port: Int, timeout: Duration) async -> Bool {
        if let session { return await session.canConnect(host: guest.managementIP, port: port, timeout: timeout) }
        return await TCPProbe.canConnect(host: guest.managementIP, port: port, timeout: timeout)
    }

    /// A seeded guest: the project's user and key, and exactly the host key tbctl generated.
    /// A guest without a seed: its `login:` and the host key its image brings, recorded on
    /// first contact beside the project key. Without a login there is no way in.
    static func access(_ guest: Guest, user: String, keyFile: String) throws -> (String, SSHAuth, HostKeyPolicy) {
        if guest.hasSeed { return (user, .privateKeyFile(keyFile), .exact(blob: try hostKeyBlob(guest.hostKey))) }
        guard let login = guest.login else { throw GuestLoginError.none(guest) }
        let known = (keyFile as NSString).deletingLastPathComponent + "/" + Names.applianceKnownHostsFile
        let policy = HostKeyPolicy.recorded(file: known, alias: Names.applianceKeyAlias(guest))
        if let key = login.keyFile { return (login.user, .privateKeyFile(key), policy) }
        guard let file = login.passwordFile, let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw TBError(.io, "cannot read the password file \(login.passwordFile ?? "")", object: "guest \(guest.name)")
        }
        let password = text.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
        return (login.user, .password(password), policy)
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

/// A guest's libssh2 session: every exec and upload opens its own channel on it.
struct LiveGuestSession: GuestSession {
    let session: SSHSession

    func exec(_ command: String, output: (@Sendable (StdStream, [UInt8]) -> Void)?) async throws -> CommandResult {
        try await session.exec(command, output: output)
    }

    func stream(_ command: String, output: @escaping @Sendable (StdStream, [UInt8]) -> Void) async throws -> Int32 {
        try await session.stream(command, output: output)
    }

    func upload(_ bytes: [UInt8], to path: String, mode: Int) async throws {
        try await session.upload(bytes, to: path, mode: mode)
    }

    func upload(file: String, to path: String, mode: Int?) async throws {
        try await session.upload(file: file, to: path, mode: mode)
    }

    func canConnect(host: String, port: Int, timeout: Duration) async -> Bool {
        await session.canConnect(host: host, port: port, timeout: timeout)
    }

    func close() async { await session.close() }
}

/// A remote host's own session for commands on the host: its owner (LiveHost) closes it.
struct LiveHostSession: GuestSession {
    let inner: LiveGuestSession

    func exec(_ command: String, output: (@Sendable (StdStream, [UInt8]) -> Void)?) async throws -> CommandResult {
        try await inner.exec(command, output: output)
    }
    func stream(_ command: String, output: @escaping @Sendable (StdStream, [UInt8]) -> Void) async throws -> Int32 {
        try await inner.stream(command, output: output)
    }
    func upload(_ bytes: [UInt8], to path: String, mode: Int) async throws { try await inner.upload(bytes, to: path, mode: mode) }
    func upload(file: String, to path: String, mode: Int?) async throws { try await inner.upload(file: file, to: path, mode: mode) }
    func canConnect(host: String, port: Int, timeout: Duration) async -> Bool {
        await inner.canConnect(host: host, port: port, timeout: timeout)
    }
    func close() async {}
}
