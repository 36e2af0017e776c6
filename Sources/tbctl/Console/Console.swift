import Core
import Foundation
import Hosts
import TestbedState

/// The interactive session of `tbctl console`: the terminal in raw mode, the console's output
/// to stdout and stdin's bytes to the console, each direction on a thread of its own (the
/// session's calls block), until Ctrl-], the end of stdin or the end of the console.
enum Console {
    /// Ctrl-], virsh's escape: a byte no shell or boot loader needs.
    static let escape: UInt8 = 0x1d

    static func attach(_ g: Guest, _ host: any HostConnection, force: Bool) async throws {
        guard let dom = try await host.libvirt.domain(named: g.domain) else {
            throw TBError(.notFound, "guest \(g.name) is not defined on host \(host.name): run `tbctl up`", object: "guest \(g.name)")
        }
        guard try await dom.isActive() else {
            throw TBError(.invalidInput, "guest \(g.name) is not running on host \(host.name): start it with `tbctl up` (its past output: tbctl console \(g.name) --log)",
                          object: "guest \(g.name)")
        }
        let session: any ConsoleSession
        do { session = try await dom.openConsole(force: force) } catch {
            throw TBError(.libvirt, "cannot open the console of guest \(g.name) (another session may hold it: --force takes it over)",
                          object: "guest \(g.name) on host \(host.name)", underlying: error)
        }
        FileHandle.standardError.write(Data("Connected to the serial console of guest \(g.name) on host \(host.name). Leave with Ctrl-] .\r\n".utf8))
        let terminal = RawTerminal()
        let failure = await pump(session)
        terminal.restore()
        FileHandle.standardError.write(Data("\r\nLeft the console of guest \(g.name).\n".utf8))
        if let failure { throw failure.asTBError(.libvirt, "the console of guest \(g.name) failed") }
    }

    /// Runs both directions; returns when either ends (nil) or fails (the error).
    private static func pump(_ session: any ConsoleSession) async -> (any Error)? {
        let done = Locked<CheckedContinuation<(any Error)?, Never>?>(nil)
        @Sendable func finish(_ error: (any Error)?) {
            session.abort()
            done.withLock { c in c?.resume(returning: error); c = nil }
        }
        return await withCheckedContinuation { (cont: CheckedContinuation<(any Error)?, Never>) in
            done.withLock { $0 = cont }
            Thread.detachNewThread {
                do {
                    while true {
                        let bytes = try session.receive(max: 4096)
                        if bytes.isEmpty { return finish(nil) }
                        FileHandle.standardOutput.write(Data(bytes))
                    }
                } catch { finish(error) }
            }
            Thread.detachNewThread {
                var buffer = [UInt8](repeating: 0, count: 1024)
                while true {
                    let n = read(0, &buffer, buffer.count)
                    if n <= 0 { return finish(nil) }
                    let chunk = Array(buffer.prefix(n))
                    let keys = chunk.firstIndex(of: escape).map { Array(chunk[..<$0]) } ?? chunk
                    do { if !keys.isEmpty { try session.send(keys) } } catch { return finish(error) }
                    if keys.count < chunk.count { return finish(nil) }
                }
            }
        }
    }
}

/// Puts a terminal on stdin into raw mode (keys go through unchanged: Ctrl-C to the guest, no
/// local echo) and restores it; does nothing when stdin is not a terminal.
final class RawTerminal {
    private var saved: termios?

    init() {
        guard isatty(0) == 1 else { return }
        var t = termios()
        guard tcgetattr(0, &t) == 0 else { return }
        saved = t
        cfmakeraw(&t)
        tcsetattr(0, TCSANOW, &t)
    }

    func restore() {
        guard var t = saved else { return }
        tcsetattr(0, TCSANOW, &t)
        saved = nil
    }
}
