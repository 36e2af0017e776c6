import CLibvirt
import Core
import Glibc

/// A domain's serial console as libvirt streams it (virDomainOpenConsole): the same bytes
/// `virsh console` shows, through the domain's connection, so a remote host's guest works
/// like a local one. The stream is blocking: one thread receives while another sends (the
/// remote driver's client passes its socket between the two), so the caller drives each
/// direction from a thread of its own, never from Swift's cooperative pool.
///
/// `@unchecked Sendable`: the stream pointer is only freed once, in deinit; libvirt's stream
/// calls are thread-safe.
public final class ConsoleStream: @unchecked Sendable {
    let stream: OpaquePointer
    let domain: Domain
    private let ended = Locked(false)

    init(stream: OpaquePointer, domain: Domain) { self.stream = stream; self.domain = domain }
    deinit { virStreamFree(stream) }

    /// Blocks until the console has output; an empty array once it ended (the guest powered
    /// off, or `abort` was called).
    public func receive(max: Int = 4096) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: max)
        let got = buffer.withUnsafeMutableBytes { virStreamRecv(stream, $0.baseAddress!.assumingMemoryBound(to: CChar.self), max) }
        if got > 0 { return Array(buffer.prefix(Int(got))) }
        if got == 0 || ended.current { return [] }
        throw lastError("console stream failed", object: domain.object)
    }

    /// Sends keystrokes to the console.
    public func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes {
                virStreamSend(stream, $0.baseAddress!.assumingMemoryBound(to: CChar.self), $0.count)
            }
            guard sent > 0 else { throw lastError("cannot write to the console", object: domain.object) }
            offset += Int(sent)
        }
    }

    /// Ends the session; a `receive` waiting in another thread returns.
    public func abort() {
        let first = ended.withLock { e -> Bool in defer { e = true }; return !e }
        if first { virStreamAbort(stream) }
    }
}

extension Domain {
    /// Opens the domain's first console. `force` takes it over from another session (virsh
    /// console, another tbctl), which libvirt otherwise refuses.
    public func openConsole(force: Bool) async throws -> ConsoleStream {
        try await blocking {
            let stream = try check(virStreamNew(try self.connection.handle, 0), "cannot create stream", object: self.object)
            let flags = force ? VIR_DOMAIN_CONSOLE_FORCE.rawValue : 0
            guard virDomainOpenConsole(self.handle, nil, stream, flags) == 0 else {
                let error = lastError("cannot open the serial console", object: self.object)
                virStreamFree(stream)
                throw error
            }
            return ConsoleStream(stream: stream, domain: self)
        }
    }
}
