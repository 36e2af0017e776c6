import Core
import Foundation

/// Whether a run's tbctl process still lives: it holds an flock(2) on `<id>.lock` beside the
/// records for as long as it runs. The kernel drops the lock when the process dies, however
/// it dies (kill -9, a crash), and no reused pid can fake it.
final class OwnerLock: @unchecked Sendable {
    private var fd: Int32
    let path: String

    init(path: String) throws {
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw TBError(.io, "cannot create \(path)", cause: String(cString: strerror(errno))) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw TBError(.conflict, "\(path) is held by another process")
        }
        self.path = path
    }

    /// Drops the lock and its file (the run's record says it ended first).
    func release() {
        guard fd >= 0 else { return }
        unlink(path)
        flock(fd, LOCK_UN)
        close(fd)
        fd = -1
    }

    deinit { release() }

    /// True while some process holds the lock at `path`.
    static func isHeld(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return false
        }
        return errno == EWOULDBLOCK
    }
}

/// Where the records live: `runs.db` (SQLite, WAL) and the owners' lock files.
public struct RecordsDirectory: Sendable {
    public let path: String
    public init(_ path: String) { self.path = path }
    public var database: String { path + "/runs.db" }
    public func ownerLock(_ run: Int64) -> String { path + "/\(run).lock" }
    /// A detached run's own output (its stage lines and errors).
    public func consoleLog(_ run: Int64) -> String { path + "/\(run).out" }

    func create() throws {
        do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
            throw TBError(.io, "cannot create \(path)", underlying: error)
        }
    }
}
