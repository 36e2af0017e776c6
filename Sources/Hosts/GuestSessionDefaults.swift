import Core
import Foundation

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
