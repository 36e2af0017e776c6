import Foundation

extension Subprocess {
    /// Runs `argv` with `stdin`, passing its output on chunk by chunk as it comes (on a
    /// blocking-pool thread: keep the handler short), for output that is a stream rather than
    /// a result (a packet capture). Returns the exit status and the stderr text.
    ///
    /// Spawned with an empty signal mask and default dispositions: a child started from one
    /// of our threads would otherwise inherit that thread's mask (measured: TERM, HUP, INT,
    /// CHLD and more blocked), and `timeout`, `kill` and a shell's `wait` would hang.
    public static func stream(_ argv: [String], stdin: [UInt8],
                              output: @escaping @Sendable (StdStream, [UInt8]) -> Void) async throws -> CommandResult {
        let child = try Spawned(argv)
        Thread.detachNewThread {   // the child may read stdin slowly: never block a pool thread on it
            stdin.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = write(child.stdin, raw.baseAddress! + offset, raw.count - offset)
                    if n < 0 && errno == EINTR { continue }
                    if n <= 0 { break }
                    offset += n
                }
            }
            close(child.stdin)
        }
        async let errText = blocking { () -> String in
            var all: [UInt8] = []
            pump(child.stderr) { all += $0; output(.stderr, $0) }
            return String(decoding: all, as: UTF8.self)
        }
        await blocking { pump(child.stdout) { output(.stdout, $0) } }
        let stderrText = await errText
        let status = await blocking { child.wait() }
        return CommandResult(status: status, stdout: "", stderr: stderrText)
    }

    /// Reads a descriptor until end of file, handing on each chunk; closes it.
    static func pump(_ fd: Int32, _ chunk: ([UInt8]) -> Void) {
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            chunk(Array(buffer[..<n]))
        }
        close(fd)
    }
}

/// A child process started with posix_spawn, its stdin, stdout and stderr on pipes.
struct Spawned: Sendable {
    let pid: pid_t
    let stdin: Int32
    let stdout: Int32
    let stderr: Int32

    init(_ argv: [String]) throws {
        var pipes: [[Int32]] = []
        for _ in 0..<3 {
            var fds: [Int32] = [0, 0]
            guard pipe(&fds) == 0 else { throw TBError(.command, "cannot make a pipe: \(String(cString: strerror(errno)))") }
            for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }   // only the dup2'd copies reach the child
            pipes.append(fds)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipes[0][0], 0)
        posix_spawn_file_actions_adddup2(&actions, pipes[1][1], 1)
        posix_spawn_file_actions_adddup2(&actions, pipes[2][1], 2)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attr, &none)
        posix_spawnattr_setsigdefault(&attr, &all)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let path = Subprocess.resolve(argv[0])
        var cargs = ([path] + argv.dropFirst()).map { strdup($0) } + [nil]
        defer { for p in cargs { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, &attr, &cargs, environ)
        close(pipes[0][0]); close(pipes[1][1]); close(pipes[2][1])   // the child's ends
        guard rc == 0 else {
            close(pipes[0][1]); close(pipes[1][0]); close(pipes[2][0])
            throw TBError(.command, "cannot start \(argv[0]): \(String(cString: strerror(rc)))")
        }
        self.pid = pid
        self.stdin = pipes[0][1]; self.stdout = pipes[1][0]; self.stderr = pipes[2][0]
    }

    /// Waits for the child; its exit status, or 128 + the signal that killed it.
    func wait() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }
}
