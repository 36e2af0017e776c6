import CLibvirt
import Core
import Foundation
import Glibc

// Volume transfers through libvirt streams, sparse in both directions: holes travel as
// "hole of N bytes" messages instead of zeroes, so a 10 GiB image with 300 MiB of data moves
// 300 MiB and stays sparse on the far side. The streams are blocking streams driven from one
// `blocking { }` closure; libvirt calls our callbacks synchronously on that thread.

extension StorageVolume {
    /// Overwrites the volume from offset 0 with the contents of a local file, skipping the
    /// file's holes (found with SEEK_DATA/SEEK_HOLE). Create the volume first with the file's
    /// size and format; a larger existing volume keeps its old tail.
    public func upload(fromFile path: String) async throws -> TransferStats {
        try await cancellableTransfer { cancelled in
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw ioError("cannot open file for upload", path) }
            defer { Glibc.close(fd) }
            let file = SparseFile(fd: fd, path: path, cancelled: cancelled)
            let stream = try self.newStream()
            defer { virStreamFree(stream) }
            try check(virStorageVolUpload(self.handle, stream, 0, 0, VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM.rawValue),
                      "cannot start upload", object: self.object)
            try withExtendedLifetime(file) {
                // On failure libvirt has already aborted the stream.
                guard virStreamSparseSendAll(stream, readData, findSection, skipHole, file.opaque) == 0 else {
                    throw file.failure ?? lastError("upload failed", object: self.object)
                }
            }
            try check(virStreamFinish(stream), "cannot finish upload", object: self.object)
            return file.stats
        }
    }

    /// Writes the volume's contents to a local file, recreating its holes as holes.
    /// A partial file is removed when the download fails.
    public func download(toFile path: String) async throws -> TransferStats {
        try await cancellableTransfer { cancelled in
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw ioError("cannot create file for download", path) }
            defer { Glibc.close(fd) }
            do {
                return try self.download(into: SparseFile(fd: fd, path: path, cancelled: cancelled))
            } catch {
                unlink(path)
                throw error
            }
        }
    }

    /// Copies this volume's bytes into `destination`, which may live on another connection
    /// (another host): a download stream from here feeds an upload stream there, chunk by
    /// chunk, holes passed on as holes. Create the destination first with the same format
    /// and capacity. Used to copy golden images between hosts.
    public func copy(to destination: StorageVolume) async throws -> TransferStats {
        try await cancellableTransfer { cancelled in
            let source = try self.newStream()
            defer { virStreamFree(source) }
            let sink = try destination.newStream()
            defer { virStreamFree(sink) }
            try check(virStorageVolDownload(self.handle, source, 0, 0, VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM.rawValue),
                      "cannot start download", object: self.object)
            do {
                try check(virStorageVolUpload(destination.handle, sink, 0, 0, VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM.rawValue),
                          "cannot start upload", object: destination.object)
                let stats = try self.pump(from: source, to: sink, destination: destination, cancelled: cancelled)
                try check(virStreamFinish(source), "cannot finish download", object: self.object)
                try check(virStreamFinish(sink), "cannot finish upload", object: destination.object)
                return stats
            } catch {
                // The error was read above; aborting resets libvirt's thread error, which is fine now.
                virStreamAbort(source)
                virStreamAbort(sink)
                throw error
            }
        }
    }

    // MARK: - private

    private func newStream() throws -> OpaquePointer {
        try check(virStreamNew(try connection.handle, 0), "cannot create stream", object: object)
    }

    /// Call inside `blocking`.
    private func download(into file: SparseFile) throws -> TransferStats {
        let stream = try newStream()
        defer { virStreamFree(stream) }
        try check(virStorageVolDownload(handle, stream, 0, 0, VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM.rawValue),
                  "cannot start download", object: object)
        try withExtendedLifetime(file) {
            guard virStreamSparseRecvAll(stream, writeData, writeHole, file.opaque) == 0 else {
                throw file.failure ?? lastError("download failed", object: object)
            }
        }
        try check(virStreamFinish(stream), "cannot finish download", object: object)
        // A trailing hole arrived as a seek only: give the file its full length.
        guard ftruncate(file.fd, lseek(file.fd, 0, SEEK_CUR)) == 0 else {
            throw ioError("cannot set file length", file.path)
        }
        return file.stats
    }

    /// Moves everything from a sparse download stream to a sparse upload stream.
    private func pump(from source: OpaquePointer, to sink: OpaquePointer, destination: StorageVolume,
                      cancelled: Locked<Bool>) throws -> TransferStats {
        var stats = TransferStats()
        var buffer = [CChar](repeating: 0, count: streamChunk)
        try buffer.withUnsafeMutableBufferPointer { buf in
            let base = buf.baseAddress!
            while true {
                if cancelled.current { throw TBError(.cancelled, "volume copy interrupted", object: object) }
                let got = virStreamRecvFlags(source, base, streamChunk, VIR_STREAM_RECV_STOP_AT_HOLE.rawValue)
                if got == 0 { return }
                if got == -3 {
                    var length: Int64 = 0
                    try check(virStreamRecvHole(source, &length, 0), "cannot read hole", object: object)
                    try check(virStreamSendHole(sink, length, 0), "cannot send hole", object: destination.object)
                    stats.holeBytes += UInt64(length)
                    continue
                }
                try check(got, "cannot read volume", object: object)
                var sent = 0
                while sent < Int(got) {
                    sent += Int(try check(virStreamSend(sink, base + sent, Int(got) - sent), "cannot write volume",
                                          object: destination.object))
                }
                stats.dataBytes += UInt64(got)
            }
        }
        return stats
    }
}

/// libvirt's stream message payload limit (VIR_NET_MESSAGE_LEGACY_PAYLOAD_MAX, 256 KiB less
/// headers): larger chunks would be split anyway.
private let streamChunk = 262_120

/// Linux values; Glibc's SEEK_DATA/SEEK_HOLE need _GNU_SOURCE and are not imported into Swift.
private let seekData: Int32 = 3
private let seekHole: Int32 = 4

/// Runs a transfer on a thread of its own; task cancellation sets a flag the transfer checks
/// between chunks (a blocking libvirt stream cannot be interrupted otherwise).
///
/// Not `blocking { }`: a transfer lasts minutes, and on Linux Dispatch's global queue adds a
/// worker only about once a second when its workers block (measured: with 3 workers busy, a
/// 4th job waited 1 s, a 6th 3 s), so a few concurrent uploads would stall every other
/// libvirt call. A thread per transfer costs microseconds next to that.
private func cancellableTransfer<T: Sendable>(_ body: @escaping @Sendable (Locked<Bool>) throws -> T) async throws -> T {
    let cancelled = Locked(false)
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let thread = Thread { continuation.resume(with: Result { try body(cancelled) }) }
            thread.name = "libvirt-transfer"
            thread.start()
        }
    } onCancel: {
        cancelled.withLock { $0 = true }
    }
}

private func ioError(_ what: String, _ path: String, _ code: Int32 = errno) -> TBError {
    TBError(.io, what, object: path, cause: String(cString: strerror(code)))
}

/// The local file of a sparse transfer, handed to libvirt's callbacks as `opaque`.
/// Used by one thread at a time (the transfer's), so plain mutable state is fine.
private final class SparseFile {
    let fd: Int32
    let path: String
    let cancelled: Locked<Bool>
    var stats = TransferStats()
    /// Set by a callback that failed; more precise than libvirt's generic stream error.
    var failure: TBError?

    init(fd: Int32, path: String, cancelled: Locked<Bool>) {
        self.fd = fd
        self.path = path
        self.cancelled = cancelled
    }

    var opaque: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }

    static func from(_ opaque: UnsafeMutableRawPointer?) -> SparseFile {
        Unmanaged<SparseFile>.fromOpaque(opaque!).takeUnretainedValue()
    }

    /// Records a failure and returns libvirt's callback error value.
    func fail(_ error: TBError) -> Int32 {
        failure = error
        return -1
    }

    /// Whether the file position is in data or in a hole, and how far that section goes
    /// (libvirt's virFileInData). The position is left unchanged.
    func section() -> (inData: Bool, length: Int64)? {
        let here = lseek(fd, 0, SEEK_CUR)
        guard here >= 0 else { return nil }
        defer { lseek(fd, here, SEEK_SET) }
        let data = lseek(fd, here, seekData)
        if data < 0 {
            // ENXIO: no data after `here`, only a trailing hole (or the end of the file).
            guard errno == ENXIO else { return nil }
            return (false, Int64(lseek(fd, 0, SEEK_END) - here))
        }
        if data > here { return (false, Int64(data - here)) }
        // The end of the file counts as a hole, so this always finds one.
        return (true, Int64(lseek(fd, here, seekHole) - here))
    }
}

private let readData: virStreamSourceFunc = { _, data, length, opaque in
    let file = SparseFile.from(opaque)
    if file.cancelled.current { return file.fail(TBError(.cancelled, "upload interrupted", object: file.path)) }
    var got: Int
    repeat { got = read(file.fd, data, length) } while got < 0 && errno == EINTR
    guard got >= 0 else { return file.fail(ioError("cannot read file", file.path)) }
    file.stats.dataBytes += UInt64(got)
    return Int32(got)
}

private let findSection: virStreamSourceHoleFunc = { _, inData, length, opaque in
    let file = SparseFile.from(opaque)
    guard let section = file.section() else { return file.fail(ioError("cannot find holes in file", file.path)) }
    inData?.pointee = section.inData ? 1 : 0
    length?.pointee = section.length
    return 0
}

private let skipHole: virStreamSourceSkipFunc = { _, length, opaque in
    let file = SparseFile.from(opaque)
    guard lseek(file.fd, off_t(length), SEEK_CUR) >= 0 else { return file.fail(ioError("cannot seek in file", file.path)) }
    file.stats.holeBytes += UInt64(length)
    return 0
}

private let writeData: virStreamSinkFunc = { _, data, length, opaque in
    let file = SparseFile.from(opaque)
    if file.cancelled.current { return file.fail(TBError(.cancelled, "download interrupted", object: file.path)) }
    guard let data else { return 0 }
    var written = 0
    while written < length {
        let n = write(file.fd, data + written, length - written)
        if n < 0 && errno == EINTR { continue }
        guard n > 0 else { return file.fail(ioError("cannot write file", file.path)) }
        written += n
    }
    file.stats.dataBytes += UInt64(length)
    return Int32(length)
}

private let writeHole: virStreamSinkHoleFunc = { _, length, opaque in
    let file = SparseFile.from(opaque)
    guard lseek(file.fd, off_t(length), SEEK_CUR) >= 0 else { return file.fail(ioError("cannot seek in file", file.path)) }
    file.stats.holeBytes += UInt64(length)
    return 0
}
