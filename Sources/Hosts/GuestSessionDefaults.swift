import Core
import Foundation
import TestbedState

/// What a GuestSession can do through its basic calls, for sessions without a better way
/// (HostFakes); LiveHosts streams instead.
extension GuestSession {
    public func stream(_ command: String, output: @escaping @Sendable (StdStream, [UInt8]) -> Void) async throws -> Int32 {
        try await exec(command, output: output).status
    }

    /// Reads the whole file: sessions that can stream it (LiveHosts) do.
    public func upload(file: String, to path: String, mode: Int?) async throws {
        guard let data = FileManager.default.contents(atPath: file) else { throw TBError(.io, "cannot read \(file)") }
        let own = (try? FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int) ?? 0o644
        try await upload(Array(data), to: path, mode: mode ?? own)
    }
}

/// A guest tbctl cannot log in to: `seed: none` and no `login:` in the compose file.
public enum GuestLoginError {
    public static func none(_ guest: Guest) -> TBError {
        TBError(.invalidInput, "guest \(guest.name) has no login: its image has no cloud-init (`seed: none`) and the compose file gives no `login:`",
                object: "guest \(guest.name)",
                cause: "add `login: {user: ..., key: FILE}` (or `password_file:`) to the guest to use exec, ssh, setup, files or run on it")
    }
}
