import CLibSSH2
import Core
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One libssh2 session and the thread that drives it.
///
/// libssh2 sessions are not thread-safe, so everything touching `session` (and its channels)
/// runs on this loop's own thread. Callers submit jobs from any thread or task; the loop runs
/// them, then sweeps all operations (each a non-blocking state machine) until none advances,
/// then sleeps in poll(2) on the session socket, its wake pipe and any tunnel descriptors,
/// until one is ready or the nearest operation deadline passes. Nothing spins or sleeps.
///
/// What to poll for needs no `libssh2_session_block_directions`: libssh2 never waits to
/// write here (Transport takes every packet whole), so the socket is polled for reading when
/// an operation waits on the server, and for writing exactly while Transport holds unsent
/// bytes.
final class IOLoop: @unchecked Sendable {
    /// "user@host:port", for messages and the thread name.
    let label: String
    let transport: Transport
    /// The LIBSSH2_SESSION; loop thread only.
    let session: OpaquePointer
    /// Scratch space for channel reads; one per loop, since only the loop thread reads.
    let readBuffer: UnsafeMutableRawBufferPointer

    /// The operation whose channel open is in flight (see ChannelOpen.swift).
    var openHolder: ObjectIdentifier?
    /// The operation whose channel request (exec) awaits its reply (see ChannelOpen.swift).
    var requestHolder: ObjectIdentifier?
    /// Open "session" channels (execs), and how many the server allows (see ChannelOpen.swift).
    var sessionChannels = 0
    var sessionChannelLimit = IOLoop.defaultSessionChannelLimit
    /// When a session channel was last freed (see `sessionOpenRetry`).
    var lastSessionFree: ContinuousClock.Instant?
    /// Set once the handshake and authentication succeeded: only then is a disconnect sent.
    var established = false

    private var operations: [any LoopOperation] = []
    private var closeReason: TBError?
    private let mailbox = Locked(Mailbox())
    private let wakeRead: Int32
    private let wakeWrite: Int32

    private struct Mailbox {
        var accepting = true
        var finished = false
        var jobs: [@Sendable (IOLoop) -> Void] = []
        var closeWaiters: [CheckedContinuation<Void, Never>] = []
    }

    /// Takes ownership of `fd` (closed when the loop ends, or here on failure).
    init(label: String, fd: Int32) throws {
        do {
            try LibSSH2.ensureInitialized()
        } catch {
            Glibc.close(fd)
            throw error
        }
        let transport = Transport(fd: fd)
        guard let session = libssh2_session_init_ex(nil, nil, nil, Unmanaged.passUnretained(transport).toOpaque()) else {
            Glibc.close(fd)
            throw TBError(.ssh, "libssh2 cannot create a session", object: label)
        }
        var pipeFDs: [Int32] = [0, 0]
        guard pipe(&pipeFDs) == 0 else {
            libssh2_session_free(session)
            Glibc.close(fd)
            throw TBError(.ssh, "cannot create a wake-up pipe", object: label, cause: String(cString: strerror(errno)))
        }
        Sockets.setNonBlocking(pipeFDs[0])
        Sockets.setNonBlocking(pipeFDs[1])
        libssh2_session_set_blocking(session, 0)
        transport.install(on: session)
        self.label = label
        self.transport = transport
        self.session = session
        self.wakeRead = pipeFDs[0]
        self.wakeWrite = pipeFDs[1]
        self.readBuffer = .allocate(byteCount: 256 << 10, alignment: 16)
    }

    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "ssh \(label)"
        thread.stackSize = 1 << 20
        thread.start()
    }

    // MARK: - From any thread

    /// Runs `job` on the loop thread. False when the session is closed (the job is dropped).
    @discardableResult
    func submit(_ job: @escaping @Sendable (IOLoop) -> Void) -> Bool {
        // The wake-up write happens under the lock so it can never hit a pipe the teardown
        // has already closed (and whose descriptor number may have been reused).
        mailbox.withLock { box -> Bool in
            guard box.accepting else { return false }
            box.jobs.append(job)
            wake()
            return true
        }
    }

    /// Asks the loop to end: running operations fail with `reason`.
    func requestClose(_ reason: TBError) {
        submit { $0.fail(reason) }
    }

    /// Ends the session and waits until its thread has released everything.
    func close(_ reason: TBError) async {
        await withCheckedContinuation { (cont: CheckedContinuation<Void, Never>) in
            let done = mailbox.withLock { box -> Bool in
                if box.finished { return true }
                box.closeWaiters.append(cont)
                return false
            }
            if done { cont.resume() } else { requestClose(reason) }
        }
    }

    private func wake() {
        var byte: UInt8 = 1
        _ = Glibc.write(wakeWrite, &byte, 1)  // a full pipe already means "wake up"
    }

    // MARK: - Loop thread

    /// Hands an operation to the loop (it is stepped from the next sweep on).
    func add(_ operation: any LoopOperation) {
        if let closeReason {
            operation.abort(closeReason)
        } else {
            operations.append(operation)
        }
    }

    /// Ends the session: every operation still running fails with `error`.
    func fail(_ error: TBError) {
        if closeReason == nil { closeReason = error }
    }

    private func run() {
        while true {
            runJobs()
            if let reason = closeReason {
                teardown(reason)
                return
            }
            let interests = sweep()
            if closeReason == nil { waitForEvents(interests) }
        }
    }

    private func runJobs() {
        let jobs = mailbox.withLock { box -> [@Sendable (IOLoop) -> Void] in
            defer { box.jobs.removeAll() }
            return box.jobs
        }
        for job in jobs { job(self) }
    }

    /// Steps every operation until a whole pass makes no progress and reads no bytes (bytes
    /// read for one channel may have queued packets for another), and returns what the
    /// operations wait for.
    private func sweep() -> [Interest] {
        var interests: [Interest] = []
        var again = true
        while again && closeReason == nil {
            again = false
            interests.removeAll(keepingCapacity: true)
            let received = transport.bytesReceived
            var index = 0
            while index < operations.count && closeReason == nil {
                switch operations[index].step(self) {
                case .finished:
                    operations.remove(at: index)
                    again = true
                    continue
                case .progressed:
                    again = true
                case .waiting(let interest):
                    interests.append(interest)
                }
                index += 1
            }
            transport.flush()
            if transport.bytesReceived != received { again = true }
            let before = operations.count
            runJobs()
            if operations.count != before { again = true }
        }
        return interests
    }

    private func waitForEvents(_ interests: [Interest]) {
        var fds = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
        var sessionEvents: Int16 = 0
        if interests.contains(where: \.session) { sessionEvents |= Int16(POLLIN) }
        if transport.pendingOutput > 0 { sessionEvents |= Int16(POLLOUT) }
        if sessionEvents != 0 { fds.append(pollfd(fd: transport.fd, events: sessionEvents, revents: 0)) }
        for interest in interests where interest.fd >= 0 {
            fds.append(pollfd(fd: interest.fd, events: interest.events, revents: 0))
        }
        _ = poll(&fds, nfds_t(fds.count), pollTimeout())
        if fds[0].revents != 0 { drainWakePipe() }
    }

    /// Milliseconds until the nearest operation deadline, or -1 (none).
    private func pollTimeout() -> Int32 {
        guard let nearest = operations.compactMap(\.deadline).min() else { return -1 }
        let left = ContinuousClock.now.duration(to: nearest)
        if left <= .zero { return 0 }
        let ms = left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1
        return Int32(clamping: ms)
    }

    private func drainWakePipe() {
        var buffer = [UInt8](repeating: 0, count: 256)
        while Glibc.read(wakeRead, &buffer, buffer.count) > 0 {}
    }

    private func teardown(_ reason: TBError) {
        mailbox.withLock { $0.accepting = false }
        runJobs()  // jobs accepted before the door closed: their operations are aborted in add()
        for operation in operations { operation.abort(reason) }
        operations.removeAll()
        if established && transport.failure == 0 {
            _ = libssh2_session_disconnect_ex(session, SSH_DISCONNECT_BY_APPLICATION, "closed by tbctl", "")
            transport.flush()
        }
        transport.shutDownForTeardown()
        var attempts = 0
        while libssh2_session_free(session) == LibSSH2.eagain && attempts < 100 { attempts += 1 }
        transport.closeSocket()
        Glibc.close(wakeRead)
        Glibc.close(wakeWrite)
        readBuffer.deallocate()
        let waiters = mailbox.withLock { box -> [CheckedContinuation<Void, Never>] in
            box.finished = true
            defer { box.closeWaiters.removeAll() }
            return box.closeWaiters
        }
        for waiter in waiters { waiter.resume() }
    }
}
