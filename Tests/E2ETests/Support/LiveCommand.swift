import Core
import Foundation

/// A tbctl process the test watches while it runs: its output read as it comes (off the
/// cooperative pool), a signal sent once a marker shows up, its end awaited.
final class LiveCommand: @unchecked Sendable {
    let process = Process()
    private let out = Pipe()
    private let err = Pipe()
    private let seen = Locked("")
    private let reader: Task<Void, Never>

    init(_ argv: [String], directory: String? = nil) throws {
        process.executableURL = URL(fileURLWithPath: argv[0])
        process.arguments = Array(argv.dropFirst())
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let handle = out.fileHandleForReading, seen = self.seen
        reader = Task {
            await blocking {
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    seen.withLock { $0 += String(decoding: chunk, as: UTF8.self) }
                }
            }
        }
    }

    var pid: pid_t { process.processIdentifier }
    var output: String { seen.current }

    /// Waits until the output holds `marker` `count` times (false if the process ended first
    /// or `limit` passed).
    func waitFor(_ marker: String, count: Int = 1, limit: Duration = .seconds(180)) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if output.components(separatedBy: marker).count - 1 >= count { return true }
            if !process.isRunning { return output.components(separatedBy: marker).count - 1 >= count }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    func signal(_ sig: Int32) { kill(pid, sig) }

    /// Waits for the end; returns the status and everything printed.
    func finish() async -> CommandResult {
        let status = await blocking { [process] in process.waitUntilExit(); return process.terminationStatus }
        await reader.value
        let errors = await blocking { [err] in err.fileHandleForReading.readDataToEndOfFile() }
        let code = process.terminationReason == .uncaughtSignal ? 128 + status : status
        return CommandResult(status: code, stdout: output, stderr: String(decoding: errors, as: UTF8.self))
    }
}
