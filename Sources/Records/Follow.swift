import Core
import Foundation

extension RunRecords {
    /// The run's log entries from `cursor` on, then each new one as it is recorded, until the
    /// run is over (ended, or its process died) and everything it wrote has been read.
    /// Waits on inotify for the records to change, with a slow poll as a fallback.
    public func follow(_ id: Int64, _ filter: LogFilter = LogFilter(), after cursor: Int64 = 0) -> AsyncThrowingStream<LogEntry, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    let watch = ChangeWatch(directory: directory.path)
                    var cursor = cursor
                    while !Task.isCancelled {
                        let from = cursor
                        let batch = try await blocking { [self] in try logs(id, filter, after: from) }
                        for e in batch { continuation.yield(e) }
                        cursor = batch.last?.id ?? cursor
                        if !batch.isEmpty { continue }
                        guard let run = try await blocking({ [self] in try self.run(id) }), !run.status.isFinal else {
                            // Over: one last read for what was committed just before the end.
                            let from = cursor
                            for e in try await blocking({ [self] in try logs(id, filter, after: from) }) { continuation.yield(e) }
                            break
                        }
                        await watch.wait(seconds: 1)
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}

extension RunRecords {
    /// Whether the run's tbctl process still lives.
    public func ownerAlive(_ id: Int64) -> Bool { OwnerLock.isHeld(directory.ownerLock(id)) }

    /// Waits until the run's tbctl process has ended (it removes its lock file as it ends;
    /// a killed one only lets go of the lock, which a slow poll sees). False after `timeout`.
    public func waitForOwner(_ id: Int64, timeout: Duration) async -> Bool {
        let watch = ChangeWatch(directory: directory.path)
        let deadline = ContinuousClock.now + timeout
        while ownerAlive(id) {
            if ContinuousClock.now >= deadline { return false }
            await watch.wait(seconds: 0.5)
        }
        return true
    }
}

/// Wakes when a file in a folder is written (the records' WAL grows with every commit).
final class ChangeWatch: @unchecked Sendable {
    private let fd: Int32

    init(directory: String) {
        fd = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        if fd >= 0 { _ = inotify_add_watch(fd, directory, UInt32(IN_MODIFY | IN_CREATE | IN_CLOSE_WRITE | IN_DELETE)) }
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Returns when something changed, or after `seconds`.
    func wait(seconds: Double) async {
        let fd = self.fd
        await blocking {
            guard fd >= 0 else { Thread.sleep(forTimeInterval: seconds); return }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            _ = poll(&p, 1, Int32(seconds * 1000))
            var buffer = [UInt8](repeating: 0, count: 4096)
            while read(fd, &buffer, buffer.count) > 0 {}   // drain: one wake-up per change burst
        }
    }
}
