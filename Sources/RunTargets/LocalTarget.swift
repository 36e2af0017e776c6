import Core
import Foundation
import Records
import Runner

/// The master itself, for jobs on `hosts:` that include it: its own shell, no SSH.
struct LocalTarget: TargetSession {
    func exec(_ commandLine: String, output: @escaping @Sendable (LogStream, [UInt8]) -> Void) async throws -> Int32 {
        let child = try LocalProcess.start(commandLine)
        // Cancelling stops the wait, not the command: the run stops it by its tag, as on any target.
        return try await Once.race { finish in
            Thread.detachNewThread { finish(.success(child.wait(output: output))) }
        }
    }

    func upload(file: String, to path: String, mode: Int?) async throws {
        try await blocking {
            let fm = FileManager.default
            let parent = (path as NSString).deletingLastPathComponent
            let tmp = path + ".tbctl-upload.\(getpid())"
            do {
                try fm.createDirectory(atPath: parent, withIntermediateDirectories: true)
                try? fm.removeItem(atPath: tmp)
                try fm.copyItem(atPath: file, toPath: tmp)
                if let mode { try fm.setAttributes([.posixPermissions: mode], ofItemAtPath: tmp) }
                guard rename(tmp, path) == 0 else { throw TBError(.io, String(cString: strerror(errno))) }
            } catch {
                try? fm.removeItem(atPath: tmp)
                throw TBError(.io, "cannot copy \(file) to \(path)", underlying: error)
            }
        }
    }

    func canConnect(to address: String, port: Int, timeout: Duration) async -> Bool {
        await blocking { TCPProbe.connects(address, port, timeout: timeout) }
    }
}

/// `/bin/sh -c LINE` in a session of its own (POSIX_SPAWN_SETSID), as an SSH server starts a
/// command: stopping a run then signals the job's process group, never tbctl's.
struct LocalProcess: Sendable {
    let pid: pid_t
    let stdout: Int32
    let stderr: Int32

    /// glibc's POSIX_SPAWN_SETSID (not exported to Swift).
    static let setSID: Int32 = 0x80

    static func start(_ line: String) throws -> LocalProcess {
        var out: [Int32] = [0, 0], err: [Int32] = [0, 0]
        guard pipe(&out) == 0, pipe(&err) == 0 else { throw TBError(.io, "cannot make a pipe", cause: String(cString: strerror(errno))) }
        for fd in out + err { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var files = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&files)
        defer { posix_spawn_file_actions_destroy(&files) }
        posix_spawn_file_actions_addopen(&files, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&files, out[1], 1)
        posix_spawn_file_actions_adddup2(&files, err[1], 2)
        SpawnDescriptors.closeAll(from: 3, in: &files)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGINT, SIGTERM, SIGPIPE, SIGHUP] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigdefault(&attr, &defaults)
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attr, &none)
        posix_spawnattr_setflags(&attr, Int16(setSID | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        let words: [String] = ["/bin/sh", "-c", line]
        let argv = words.map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, "/bin/sh", &files, &attr, argv, environ)
        close(out[1])
        close(err[1])
        guard rc == 0 else {
            close(out[0]); close(err[0])
            throw TBError(.command, "cannot start /bin/sh", cause: String(cString: strerror(rc)))
        }
        return LocalProcess(pid: pid, stdout: out[0], stderr: err[0])
    }

    /// Streams the output until both pipes close, then reaps the process: its exit status,
    /// or 128 + the signal that killed it.
    func wait(output: @escaping @Sendable (LogStream, [UInt8]) -> Void) -> Int32 {
        let group = DispatchGroup()
        for (fd, stream) in [(stdout, LogStream.stdout), (stderr, .stderr)] {
            group.enter()
            Thread.detachNewThread {
                var buffer = [UInt8](repeating: 0, count: 65536)
                while true {
                    let n = read(fd, &buffer, buffer.count)
                    if n > 0 { output(stream, Array(buffer[0..<n])); continue }
                    if n < 0 && errno == EINTR { continue }
                    break
                }
                close(fd)
                group.leave()
            }
        }
        group.wait()
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }
}

/// A continuation resumed by whichever comes first: the work, or the task's cancellation.
enum Once {
    static func race<T: Sendable>(_ start: @escaping @Sendable (@escaping @Sendable (Result<T, any Error>) -> Void) -> Void) async throws -> T {
        let slot = Locked<CheckedContinuation<T, any Error>?>(nil)
        let finish: @Sendable (Result<T, any Error>) -> Void = { r in slot.withLock { c in c?.resume(with: r); c = nil } }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, any Error>) in
                slot.withLock { $0 = c }
                if Task.isCancelled { finish(.failure(CancellationError())) } else { start(finish) }
            }
        } onCancel: {
            finish(.failure(CancellationError()))
        }
    }
}

/// One TCP connect with a time limit (local ports of the master).
enum TCPProbe {
    static func connects(_ address: String, _ port: Int, timeout: Duration) -> Bool {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(address, String(port), &hints, &list) == 0, let first = list else { return false }
        defer { freeaddrinfo(list) }
        let fd = socket(first.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if connect(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 { return true }
        guard errno == EINPROGRESS else { return false }
        var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        let ms = Int32(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        guard poll(&p, 1, max(1, ms)) == 1 else { return false }
        var err: Int32 = 0
        var len = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len)
        return err == 0
    }
}
