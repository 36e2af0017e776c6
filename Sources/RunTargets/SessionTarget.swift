import Core
import Hosts
import Records
import Runner

/// A guest, or a remote host, through its one session of the run (SSH in LiveHosts).
struct SessionTarget: TargetSession {
    let session: any GuestSession

    func exec(_ commandLine: String, output: @escaping @Sendable (LogStream, [UInt8]) -> Void) async throws -> Int32 {
        try await session.stream(commandLine) { stream, bytes in output(stream == .stdout ? .stdout : .stderr, bytes) }
    }

    func upload(file: String, to path: String, mode: Int?) async throws {
        try await session.upload(file: file, to: path, mode: mode)
    }

    func canConnect(to address: String, port: Int, timeout: Duration) async -> Bool {
        await session.canConnect(host: address, port: port, timeout: timeout)
    }
}
