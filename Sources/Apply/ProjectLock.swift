import Core
import Foundation

/// One `up`/`down`/`scale`/`snapshot` per project at a time. flock(2) on `.testbed/lock`: the
/// kernel releases it when the process dies, even by kill -9, so a crash never leaves it stuck.
public final class ProjectLock: Sendable {
    private let fd: Int32

    public init(path: String, command: String) throws {
        // `fd` is set only once the lock is held: a class whose init throws after setting
        // every property still runs deinit, which would close the descriptor a second time.
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw TBError(.io, "cannot open \(path): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines) ?? "another tbctl"
            close(fd)
            throw TBError(.conflict, "this project is busy: \(holder.isEmpty ? "another tbctl" : holder) holds \(path); wait for it to finish (or stop it)")
        }
        self.fd = fd
        ftruncate(fd, 0)
        let note = "tbctl \(command) (pid \(getpid()))\n"
        _ = note.withCString { write(fd, $0, strlen($0)) }
    }

    deinit {
        ftruncate(fd, 0)
        flock(fd, LOCK_UN)
        close(fd)
    }
}
