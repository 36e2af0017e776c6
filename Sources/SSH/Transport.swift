import CLibSSH2
import Core
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The session's socket as libssh2 sees it, through libssh2's send/recv callbacks.
///
/// Writes never block and never come up short. libssh2 1.10 keeps one partially sent packet
/// per session and fails any *other* packet with LIBSSH2_ERROR_BAD_USE until the call that
/// started it is repeated with the same arguments; with many channels driven from one loop
/// (and libssh2 building some packets on the stack) that cannot be honoured. So whatever the
/// kernel does not take is kept here and flushed when the socket is writable; bulk writers
/// (upload, tunnels) check `acceptsBulk` first, which bounds this backlog.
///
/// Reads are counted: one channel's read drains every packet on the socket into libssh2's
/// queue, including other channels' data, so the I/O loop re-examines all operations
/// whenever bytes arrived.
///
/// Used on the owning I/O loop's thread only.
final class Transport {
    let fd: Int32
    private(set) var bytesReceived = 0
    /// errno of the first failed write (or EPIPE once shut down); 0 while healthy.
    private(set) var failure: Int32 = 0
    private var backlog: [UInt8] = []
    private var backlogStart = 0
    private var shutDown = false

    /// Above this much unsent data, bulk writers wait for the socket to drain.
    static let bulkHighWater = 512 << 10

    init(fd: Int32) { self.fd = fd }

    var pendingOutput: Int { backlog.count - backlogStart }
    var acceptsBulk: Bool { pendingOutput < Transport.bulkHighWater }

    /// Routes the session's socket I/O through this object.
    func install(on session: OpaquePointer) {
        _ = libssh2_session_callback_set(session, LIBSSH2_CALLBACK_RECV, unsafeBitCast(transportRecv, to: UnsafeMutableRawPointer.self))
        _ = libssh2_session_callback_set(session, LIBSSH2_CALLBACK_SEND, unsafeBitCast(transportSend, to: UnsafeMutableRawPointer.self))
    }

    func receive(_ buffer: UnsafeMutableRawPointer?, _ length: Int) -> Int {
        if shutDown { return 0 }  // looks like EOF: libssh2 marks the socket disconnected and frees without waiting
        while true {
            let n = Glibc.recv(fd, buffer, length, 0)
            if n > 0 { bytesReceived += n }
            if n >= 0 { return n }
            if errno == EINTR { continue }
            return -Int(errno)  // -EAGAIN tells libssh2 to wait, anything else is fatal
        }
    }

    func send(_ buffer: UnsafeRawPointer?, _ length: Int) -> Int {
        flush()
        if failure != 0 { return -Int(failure) }
        guard let buffer, length > 0 else { return 0 }
        var sent = 0
        if pendingOutput == 0 {
            sent = rawSend(buffer, length)
            if failure != 0 { return -Int(failure) }
        }
        if sent < length {
            backlog.append(contentsOf: UnsafeRawBufferPointer(start: buffer + sent, count: length - sent))
        }
        return length
    }

    /// Writes as much of the backlog as the kernel takes now.
    func flush() {
        while pendingOutput > 0 && failure == 0 {
            let n = backlog.withUnsafeBytes { rawSend($0.baseAddress! + backlogStart, pendingOutput) }
            if n <= 0 { break }
            backlogStart += n
        }
        if pendingOutput == 0 || failure != 0 {
            backlog.removeAll(keepingCapacity: backlog.capacity <= 4 << 20)
            backlogStart = 0
        } else if backlogStart > 1 << 20 {
            backlog.removeFirst(backlogStart)
            backlogStart = 0
        }
    }

    /// From now on the socket reads as closed and writes fail, so libssh2's teardown
    /// (channel and session free) completes at once instead of waiting for the server.
    func shutDownForTeardown() {
        shutDown = true
        if failure == 0 { failure = EPIPE }
        backlog = []
        backlogStart = 0
    }

    func closeSocket() { Glibc.close(fd) }

    /// send(2) without SIGPIPE; returns bytes taken (0 when the socket is full), records failures.
    private func rawSend(_ p: UnsafeRawPointer, _ count: Int) -> Int {
        while true {
            let n = Glibc.send(fd, p, count, Int32(MSG_NOSIGNAL))
            if n >= 0 { return n }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { return 0 }
            failure = errno
            return 0
        }
    }
}

private func transportOf(_ abstract: UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> Transport {
    Unmanaged<Transport>.fromOpaque(abstract!.pointee!).takeUnretainedValue()
}

// libssh2's LIBSSH2_RECV_FUNC / LIBSSH2_SEND_FUNC; `abstract` points at the session's abstract
// pointer, which IOLoop sets to its Transport.
private let transportRecv: @convention(c) (libssh2_socket_t, UnsafeMutableRawPointer?, Int, Int32,
                                           UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> Int = { _, buffer, length, _, abstract in
    transportOf(abstract).receive(buffer, length)
}

private let transportSend: @convention(c) (libssh2_socket_t, UnsafeRawPointer?, Int, Int32,
                                           UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> Int = { _, buffer, length, _, abstract in
    transportOf(abstract).send(buffer, length)
}

/// Socket helpers: TCP connect without blocking, socket pairs for tunnels.
enum Sockets {
    /// Resolves `host` and starts a non-blocking TCP connect; the connect completes (or fails)
    /// later, when the socket becomes writable. May block in DNS: call off the cooperative pool.
    /// Throws ConnectFailure.
    static func startConnect(host: String, port: Int) throws -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            throw ConnectFailure(kind: .refused, error: TBError(.ssh, "cannot resolve host name \(host)",
                                                                 cause: String(cString: gai_strerror(rc))))
        }
        defer { freeaddrinfo(list) }
        let fd = socket(first.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else {
            throw ConnectFailure(kind: .refused, error: TBError(.ssh, "cannot create a socket", cause: String(cString: strerror(errno))))
        }
        setNonBlocking(fd)
        setOption(fd, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
        watchForDeadPeer(fd)
        if connect(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) != 0 && errno != EINPROGRESS {
            let err = errno
            Glibc.close(fd)
            throw ConnectFailure(kind: .unreachable, error: connectError(host: host, port: port, errno: err))
        }
        return fd
    }

    /// A host that powers off or drops off the network sends no reset: without this, a
    /// session waiting for its answer would wait forever. The kernel probes an idle connection
    /// after 15 s (every 5 s, 6 times) and gives up on data unacknowledged for 60 s; the socket
    /// then reports an error, which ends the session and every operation on it.
    static func watchForDeadPeer(_ fd: Int32) {
        setOption(fd, SOL_SOCKET, SO_KEEPALIVE, 1)
        setOption(fd, Int32(IPPROTO_TCP), TCP_KEEPIDLE, 15)
        setOption(fd, Int32(IPPROTO_TCP), TCP_KEEPINTVL, 5)
        setOption(fd, Int32(IPPROTO_TCP), TCP_KEEPCNT, 6)
        setOption(fd, Int32(IPPROTO_TCP), TCP_USER_TIMEOUT, 60_000)
    }

    private static func setOption(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32) {
        var v = value
        _ = setsockopt(fd, level, name, &v, socklen_t(MemoryLayout<Int32>.size))
    }

    /// 0 once the connect started by `startConnect` has succeeded, its errno otherwise.
    static func connectResult(_ fd: Int32) -> Int32 {
        var err: Int32 = 0
        var len = socklen_t(MemoryLayout<Int32>.size)
        if getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 { return errno }
        return err
    }

    static func connectError(host: String, port: Int, errno err: Int32) -> TBError {
        TBError(.ssh, "cannot connect to \(endpoint(host, port)): \(String(cString: strerror(err)).lowercased())")
    }

    /// Whether `fd` is ready for `events` right now (a zero-timeout poll).
    static func isReady(_ fd: Int32, _ events: Int16) -> Bool {
        var p = pollfd(fd: fd, events: events, revents: 0)
        return poll(&p, 1, 0) > 0
    }

    static func socketPair() throws -> (Int32, Int32) {
        var fds: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) == 0 else {
            throw TBError(.ssh, "cannot create a socket pair for a tunnel", cause: String(cString: strerror(errno)))
        }
        setNonBlocking(fds[0])
        setNonBlocking(fds[1])
        return (fds[0], fds[1])
    }

    static func setNonBlocking(_ fd: Int32) {
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    static func endpoint(_ host: String, _ port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
