import ArgumentParser
import Core
import Foundation
import Records

/// `tbctl run --detach`: the same command started again in a session of its own (no
/// terminal, stdin from /dev/null), so neither the shell's exit nor a dropped SSH connection
/// reaches it. The copy writes its own output to `.testbed/runs/ID.out` and reports its run id
/// back through a pipe once the run is recorded; this process prints the id and exits.
enum Detach {
    /// glibc's POSIX_SPAWN_SETSID (not exported to Swift).
    static let spawnSetSID: Int32 = 0x80

    static func start(records: RecordsDirectory, json: Bool) throws {
        try FileManager.default.createDirectory(atPath: records.path, withIntermediateDirectories: true)
        let early = records.path + "/starting-\(getpid()).out"
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw TBError(.io, "cannot make a pipe", cause: String(cString: strerror(errno))) }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var argv = CommandLine.arguments.filter { $0 != "--detach" }
        argv.insert("--detached-child", at: min(2, argv.count))
        let pid = try spawn(argv, report: fds[1], output: early)
        close(fds[1])
        let reply = readAll(fds[0])
        close(fds[0])
        guard let id = Int64(reply.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            let said = (try? String(contentsOfFile: early, encoding: .utf8)) ?? ""
            try? FileManager.default.removeItem(atPath: early)
            FileHandle.standardError.write(Data(said.utf8))
            let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 1
            throw ExitCode(code == 0 ? 1 : code)
        }
        try? FileManager.default.removeItem(atPath: early)
        if json {
            struct Started: Encodable { var id: Int64; var pid: Int32; var consoleLog: String }
            return try printJSON(Started(id: id, pid: pid, consoleLog: records.consoleLog(id)))
        }
        print("""
            run \(id) goes on in the background (pid \(pid); its own output: \(records.consoleLog(id)))
              tbctl runs logs \(id) --follow    watch it
              tbctl runs stop \(id)             stop it
            """)
    }

    private static func spawn(_ argv: [String], report: Int32, output: String) throws -> pid_t {
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGINT, SIGTERM, SIGHUP, SIGPIPE] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigdefault(&attr, &defaults)
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attr, &none)
        posix_spawnattr_setflags(&attr, Int16(spawnSetSID | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        var files = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&files)
        defer { posix_spawn_file_actions_destroy(&files) }
        posix_spawn_file_actions_addopen(&files, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&files, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&files, 1, 2)
        posix_spawn_file_actions_adddup2(&files, report, 3)
        SpawnDescriptors.closeAll(from: 4, in: &files)
        var pid: pid_t = 0
        let cargs = argv.map { strdup($0) } + [nil]
        defer { for a in cargs { free(a) } }
        let rc = posix_spawn(&pid, "/proc/self/exe", &files, &attr, cargs, environ)
        guard rc == 0 else { throw TBError(.command, "cannot start the background run", cause: String(cString: strerror(rc))) }
        return pid
    }

    private static func readAll(_ fd: Int32) -> String {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 256)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n > 0 { out += buffer[0..<n]; continue }
            if n < 0 && errno == EINTR { continue }
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// The background copy's side: once its run is recorded, its output goes to the run's
    /// console log and the id back to the starting process (fd 3).
    struct Child {
        static func begin() -> Child? {
            guard fcntl(3, F_GETFD) >= 0 else { return nil }
            return Child()
        }

        func started(_ id: Int64, log: String) throws {
            let fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw TBError(.io, "cannot write \(log)", cause: String(cString: strerror(errno))) }
            fflush(nil)
            dup2(fd, 1)
            dup2(fd, 2)
            close(fd)
            let text = "\(id)\n"
            _ = text.withCString { write(3, $0, strlen($0)) }
            close(3)
        }
    }
}
