import Core
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Reads a `files` source from the master: one regular file, or a folder copied recursively.
/// Symbolic links are followed (a site folder often links shared files in); a link back to a
/// folder already being copied is refused rather than looped on.
public enum SourceTree {
    public static func read(_ path: String) throws -> [SourceFile] {
        let st = try status(path)
        if isDirectory(st) {
            var out: [SourceFile] = []
            try walk(path, relative: "", ancestors: [identity(st)], into: &out)
            return out
        }
        guard isRegular(st) else { throw TBError(.invalidInput, "\(path) is neither a file nor a folder") }
        return [SourceFile(relativePath: "", permissions: Int(st.st_mode & 0o7777), content: try contents(path))]
    }

    /// Entries in byte order of their names, so the same folder gives the same user-data.
    private static func walk(_ dir: String, relative: String, ancestors: Set<FileID>,
                             into out: inout [SourceFile]) throws {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: dir) } catch {
            throw TBError(.io, "cannot list \(dir)", underlying: error)
        }
        for name in names.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) {
            let path = dir + "/" + name
            let rel = relative.isEmpty ? name : relative + "/" + name
            let st = try status(path)
            if isDirectory(st) {
                guard !ancestors.contains(identity(st)) else {
                    throw TBError(.invalidInput, "\(path) links back to a folder that contains it")
                }
                try walk(path, relative: rel, ancestors: ancestors.union([identity(st)]), into: &out)
            } else if isRegular(st) {
                out.append(SourceFile(relativePath: rel, permissions: Int(st.st_mode & 0o7777), content: try contents(path)))
            } else {
                throw TBError(.invalidInput, "\(path) is not a regular file (a socket, device or pipe cannot be copied)")
            }
        }
    }

    // MARK: POSIX

    private struct FileID: Hashable { var dev: UInt64; var ino: UInt64 }
    private static func identity(_ st: stat) -> FileID { FileID(dev: UInt64(st.st_dev), ino: UInt64(st.st_ino)) }
    private static func isDirectory(_ st: stat) -> Bool { st.st_mode & S_IFMT == S_IFDIR }
    private static func isRegular(_ st: stat) -> Bool { st.st_mode & S_IFMT == S_IFREG }

    /// stat (following links), with a message that says whether the path is missing or unreadable.
    private static func status(_ path: String) throws -> stat {
        var st = stat()
        guard stat(path, &st) == 0 else {
            let code = errno
            if code == ENOENT {
                var lst = stat()
                let dangling = lstat(path, &lst) == 0
                throw TBError(.notFound, dangling ? "\(path) is a link to nothing" : "\(path) does not exist")
            }
            throw TBError(.io, "cannot read \(path)", cause: String(cString: strerror(code)))
        }
        return st
    }

    static func contents(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw TBError(.io, "cannot read \(path)", cause: String(cString: strerror(errno))) }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n == 0 { return out }
            if n < 0 {
                if errno == EINTR { continue }
                throw TBError(.io, "cannot read \(path)", cause: String(cString: strerror(errno)))
            }
            out += chunk[0..<n]
        }
    }
}
