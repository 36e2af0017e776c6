import Core
import Records
import Runner
import SSH

/// A guest or remote host reached over its one SSH session of the run.
struct SSHTarget: TargetSession {
    let session: SSHSession

    func exec(_ commandLine: String, output: @escaping @Sendable (LogStream, [UInt8]) -> Void) async throws -> Int32 {
        try await session.exec(commandLine) { stream, bytes in output(stream == .stdout ? .stdout : .stderr, bytes) }.status
    }

    func upload(file: String, to path: String, mode: Int?) async throws {
        try await session.upload(file: file, to: path, mode: mode)
    }

    func canConnect(to address: String, port: Int, timeout: Duration) async -> Bool {
        await session.canConnect(host: address, port: port, timeout: timeout)
    }
}
