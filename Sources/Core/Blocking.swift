import Dispatch

/// Runs a blocking C call (libvirt, libssh2, file I/O) off Swift's cooperative thread pool.
/// The pool has one thread per core (two here); a blocked libvirt call there would stall every
/// other task. Dispatch's global queue grows threads when they block, which is what we want.
public func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { (cont: CheckedContinuation<T, any Error>) in
        DispatchQueue.global().async {
            cont.resume(with: Result { try work() })
        }
    }
}

/// Non-throwing variant.
public func blocking<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { (cont: CheckedContinuation<T, Never>) in
        DispatchQueue.global().async { cont.resume(returning: work()) }
    }
}
