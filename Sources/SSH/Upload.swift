import Core
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// File upload without sftp-server or scp on the far side (busybox guests run dropbear
/// without either): one exec of a POSIX shell line that creates the parent directory and
/// writes stdin to a temporary name with `cat`, sets the mode, then renames it into place,
/// so a failed or interrupted upload never leaves a half-written file at `path`.
extension SSHSession {
    /// Writes `bytes` to `path` on the server with permission bits `mode`.
    public func upload(_ bytes: [UInt8], to path: String, mode: Int = 0o644) async throws {
        try await upload(from: BytesInput(bytes), to: path, mode: mode)
    }

    /// Streams the local file to `path` (never holding it whole in memory); keeps the local
    /// file's permission bits unless `mode` is given.
    public func upload(file localPath: String, to path: String, mode: Int? = nil) async throws {
        let input = try FileInput(path: localPath)
        try await upload(from: input, to: path, mode: mode ?? input.mode)
    }

    private func upload(from input: any InputSource, to path: String, mode: Int) async throws {
        let result = try await run(SSHSession.uploadCommand(path: path, mode: mode), input: input, output: nil)
        guard result.status == 0 else {
            throw TBError(.command, "upload to \(path) failed (exit \(result.status))", object: endpoint,
                          cause: String(decoding: result.stderr, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    /// `mkdir -p dir && cat > tmp && chmod mode tmp && mv -f tmp path`, removing tmp on failure.
    /// tmp ends in the remote shell's `$$`, so concurrent uploads to one path do not collide.
    static func uploadCommand(path: String, mode: Int) -> String {
        let target = shellQuote(path)
        let temporary = shellQuote(path + ".tbctl-upload.") + "$$"
        var steps: [String] = []
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty && parent != "/" { steps.append("mkdir -p \(shellQuote(parent))") }
        steps.append("cat > \(temporary)")
        steps.append("chmod \(String(mode, radix: 8)) \(temporary)")
        steps.append("mv -f \(temporary) \(target)")
        return steps.joined(separator: " && ") + " || { s=$?; rm -f \(temporary); exit $s; }"
    }
}

/// A local file read block by block on the I/O loop thread (local disk reads are short).
final class FileInput: InputSource {
    private let fd: Int32
    private let path: String
    /// The file's permission bits.
    let mode: Int

    init(path: String) throws {
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw TBError(.io, "cannot open \(path) for upload", cause: String(cString: strerror(errno))) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let cause = String(cString: strerror(errno))
            Glibc.close(fd)
            throw TBError(.io, "cannot stat \(path)", cause: cause)
        }
        self.path = path
        self.mode = Int(info.st_mode) & 0o7777
    }

    deinit { Glibc.close(fd) }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw TBError(.io, "cannot read \(path)", cause: String(cString: strerror(errno)))
        }
    }
}
