import Core
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// File upload without sftp-server or scp on the far side (busybox guests run dropbear
/// without either): one exec of a POSIX shell line that creates the parent directory and
/// writes stdin to a temporary name with `cat`, checks it got every byte, sets the mode, then
/// renames it into place, so a failed or interrupted upload never leaves a half-written file
/// at `path`. The byte count matters: a cancelled upload or a lost connection closes the
/// command's stdin like a finished one, and `cat` exits 0 on the part it got.
extension SSHSession {
    /// Writes `bytes` to `path` on the server with permission bits `mode`.
    public func upload(_ bytes: [UInt8], to path: String, mode: Int = 0o644) async throws {
        try await upload(from: BytesInput(bytes), size: Int64(bytes.count), to: path, mode: mode)
    }

    /// Streams the local file to `path` (never holding it whole in memory); keeps the local
    /// file's permission bits unless `mode` is given.
    public func upload(file localPath: String, to path: String, mode: Int? = nil) async throws {
        let input = try FileInput(path: localPath)
        try await upload(from: input, size: input.size, to: path, mode: mode ?? input.mode)
    }

    private func upload(from input: any InputSource, size: Int64, to path: String, mode: Int) async throws {
        let output = try await run(SSHSession.uploadCommand(path: path, mode: mode, size: size), input: input, output: nil)
        let result = try await output.commandResult()   // a shell killed by a signal is a failure too
        guard result.status == 0 else {
            throw TBError(.command, "upload to \(path) failed (exit \(result.status))", object: endpoint,
                          cause: result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    /// `mkdir -p dir && cat > tmp && <tmp has size bytes> && chmod mode tmp && mv -f tmp path`,
    /// removing tmp on failure. tmp ends in the remote shell's `$$`, so concurrent uploads to
    /// one path do not collide.
    static func uploadCommand(path: String, mode: Int, size: Int64) -> String {
        let target = shellQuote(path)
        let temporary = shellQuote(path + ".tbctl-upload.") + "$$"
        var steps: [String] = []
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty && parent != "/" { steps.append("mkdir -p \(shellQuote(parent))") }
        steps.append("cat > \(temporary)")
        steps.append("{ n=$(wc -c < \(temporary)); [ \"$n\" -eq \(size) ] || { echo \"received $n of \(size) bytes\" >&2; false; }; }")
        steps.append("chmod \(String(mode, radix: 8)) \(temporary)")
        steps.append("mv -f \(temporary) \(target)")
        // A cancelled upload's channel is closed: writing the failure to stderr would raise
        // SIGPIPE and kill the shell before it removes tmp.
        return "trap '' PIPE; " + steps.joined(separator: " && ") + " || { s=$?; rm -f \(temporary); exit $s; }"
    }
}

/// A local file read block by block on the I/O loop thread (local disk reads are short).
final class FileInput: InputSource {
    private let fd: Int32
    private let path: String
    /// The file's permission bits.
    let mode: Int
    /// Its size when opened: the upload must deliver exactly this many bytes.
    let size: Int64

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
        self.size = Int64(info.st_size)
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
