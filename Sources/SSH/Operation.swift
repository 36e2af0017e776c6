import Core

/// What a waiting operation needs before it can advance again.
struct Interest {
    /// Data from the server (or, implied whenever output is queued, room in the socket).
    var session = false
    /// A local descriptor (a tunnel's socket pair end) and the poll events wanted on it.
    var fd: Int32 = -1
    var events: Int16 = 0

    static let session = Interest(session: true)
    /// Waiting for another operation only (a turn at the channel-open slot).
    static let otherOperation = Interest()

    mutating func add(fd: Int32, _ events: Int16) {
        self.fd = fd
        self.events |= events
    }
}

enum StepResult {
    case progressed
    case waiting(Interest)
    case finished
}

/// A piece of work on one SSH session (handshake, one exec, one tunnel), written as a small
/// state machine over non-blocking libssh2 calls. Only the session's I/O loop thread calls
/// these methods; an operation is handed to the loop once and owned by it from then on.
protocol LoopOperation: AnyObject {
    /// Advances as far as possible without blocking.
    func step(_ loop: IOLoop) -> StepResult
    /// The session is going away: resume the caller with `error` if it still waits. libssh2
    /// objects need no cleanup (freeing the session frees its channels).
    func abort(_ error: TBError)
    /// When the operation gives up on its own (connect timeouts); the loop wakes up for it.
    var deadline: ContinuousClock.Instant? { get }
}

extension LoopOperation {
    var deadline: ContinuousClock.Instant? { nil }
}

/// A caller awaiting an operation's result: resumed exactly once.
struct Waiter<T: Sendable> {
    private var continuation: CheckedContinuation<T, any Error>?

    init(_ continuation: CheckedContinuation<T, any Error>) { self.continuation = continuation }

    var isWaiting: Bool { continuation != nil }

    mutating func resume(_ result: Result<T, any Error>) {
        continuation?.resume(with: result)
        continuation = nil
    }

    mutating func succeed(_ value: T) { resume(.success(value)) }
    mutating func fail(_ error: any Error) { resume(.failure(error)) }
}
