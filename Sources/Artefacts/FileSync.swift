import Core
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes a file only when its bytes differ from what is there, through a temporary file and
/// a rename, so a reader (or a crash) never sees half a seed.
enum FileSync {
    static let temporarySuffix = ".tbctl-tmp"

    static func isTemporary(_ name: String) -> Bool { name.hasSuffix(temporarySuffix) }

    /// Returns whether the file was written.
    static func writeIfChanged(_ path: String, _ bytes: [UInt8], mode: mode_t) throws -> Bool {
        if try matches(path, bytes) { return false }
        let tmp = path + "." + String(getpid()) + temporarySuffix
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw failure("cannot create", tmp) }
        do {
            try writeAll(fd, bytes, path: tmp)
            // open's mode is filtered by the umask; the artefacts must be owner-only whatever it is.
            guard fchmod(fd, mode) == 0 else { throw failure("cannot set permissions of", tmp) }
            close(fd)
        } catch {
            close(fd)
            unlink(tmp)
            throw error
        }
        guard rename(tmp, path) == 0 else {
            let e = failure("cannot replace", path)
            unlink(tmp)
            throw e
        }
        return true
    }

    /// Same size, then same bytes; a missing file never matches.
    private static func matches(_ path: String, _ bytes: [UInt8]) throws -> Bool {
        var st = stat()
        guard stat(path, &st) == 0 else { return false }
        guard st.st_size == off_t(bytes.count) else { return false }
        guard let existing = try? SourceTree.contents(path), existing.count == bytes.count else { return false }
        if bytes.isEmpty { return true }
        return existing.withUnsafeBytes { a in bytes.withUnsafeBytes { b in memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0 } }
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws {
        try bytes.withUnsafeBytes { buf in
            var done = 0
            while done < buf.count {
                let n = Glibc.write(fd, buf.baseAddress! + done, buf.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw failure("cannot write", path)
                }
                done += n
            }
        }
    }

    private static func failure(_ what: String, _ path: String) -> TBError {
        TBError(.io, "\(what) \(path)", cause: String(cString: strerror(errno)))
    }
}
