import Foundation

/// Runs a blocking C call (libvirt, libssh2, file I/O) off Swift's cooperative thread pool.
/// That pool has one thread per core (two here); a libvirt call blocked on it would stall every
/// other task. Dispatch's global queue is no answer on Linux either: once its workers block it
/// adds about one thread per second. So blocking work gets threads of its own, at once: idle
/// ones are reused, new ones are started when none is idle.
public func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { (cont: CheckedContinuation<T, any Error>) in
        BlockingPool.shared.submit { cont.resume(with: Result { try work() }) }
    }
}

/// Non-throwing variant.
public func blocking<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { (cont: CheckedContinuation<T, Never>) in
        BlockingPool.shared.submit { cont.resume(returning: work()) }
    }
}

/// An elastic pool of threads for blocking calls. Threads idle for 10 s exit.
final class BlockingPool: @unchecked Sendable {
    static let shared = BlockingPool()
    private let cond = NSCondition()
    private var queue: [@Sendable () -> Void] = []
    private var idle = 0

    func submit(_ job: @escaping @Sendable () -> Void) {
        cond.lock()
        queue.append(job)
        // Each idle thread takes one job; start a thread for every job beyond them.
        if queue.count <= idle {
            cond.signal()
            cond.unlock()
            return
        }
        cond.unlock()
        let t = Thread { [self] in worker() }
        t.stackSize = 1 << 20
        t.start()
    }

    private func worker() {
        cond.lock()
        while true {
            if !queue.isEmpty {
                let job = queue.removeFirst()
                cond.unlock()
                job()
                cond.lock()
                continue
            }
            idle += 1
            let woke = cond.wait(until: Date(timeIntervalSinceNow: 10))
            idle -= 1
            if !woke && queue.isEmpty { break }
        }
        cond.unlock()
    }
}
