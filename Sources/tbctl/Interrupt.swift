import Core
import Dispatch
import Foundation

/// Ctrl-C cancels the running command's task tree: actions in flight finish or stop at their
/// next cancellation point, nothing is left half-recorded, and the next `up` completes the job.
/// A second Ctrl-C exits at once.
enum Interrupt {
    static func cancellingOnSignal(_ body: @escaping @Sendable () async throws -> Void) async throws {
        signal(SIGINT, SIG_IGN)
        let task = Task { try await body() }
        let count = Locked(0)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler {
            let n = count.withLock { $0 += 1; return $0 }
            if n > 1 { exit(130) }
            FileHandle.standardError.write(Data("\ninterrupted: stopping (Ctrl-C again to quit at once)\n".utf8))
            task.cancel()
        }
        source.resume()
        defer { source.cancel() }
        do { try await task.value } catch is CancellationError {
            throw TBError(.cancelled, "interrupted; run the command again to finish")
        }
    }
}
