import Core
import Foundation
import Hosts
import TestbedState

extension Executor {
    /// Runs the guest's setup script once and records it (by digest) so the next `up` skips it.
    /// A guest without a seed gets its `files` here first, over the same session.
    func runSetup(_ guest: Guest) async throws {
        guard let record = guest.setupRecord else { return }
        let script = try guest.setup.map { path in
            guard let bytes = FileManager.default.contents(atPath: path) else { throw TBError(.notFound, "setup script \(path) cannot be read") }
            return (bytes: Array(bytes), name: (path as NSString).lastPathComponent)
        }
        let session = try await context.host(guest.host).guestSession(guest, user: context.state.user, keyFile: context.workspace.keyFile)
        try await session.closing { s in
            if !guest.hasSeed { try await copyFiles(guest, on: s) }
            if let script { try await runScript(guest, script: script.bytes, name: script.name, on: s) }
        }
        try context.update {
            $0.setup[guest.name] = .init(digest: record, at: ISO8601DateFormatter().string(from: Date()))
        }
    }

    /// Copies a script into the guest and runs it with the guest's environment, streaming its
    /// output line by line with the guest's name in front. A non-zero exit is an error that
    /// carries the script's last lines of output.
    func runScript(_ guest: Guest, path: String) async throws {
        guard let bytes = FileManager.default.contents(atPath: path) else {
            throw TBError(.notFound, "setup script \(path) cannot be read")
        }
        let session = try await context.host(guest.host).guestSession(guest, user: context.state.user, keyFile: context.workspace.keyFile)
        try await session.closing { try await runScript(guest, script: Array(bytes), name: (path as NSString).lastPathComponent, on: $0) }
    }

    /// The same over a session the caller keeps (a golden builder's, sealed and powered off next).
    func runScript(_ guest: Guest, path: String, on session: any GuestSession) async throws {
        guard let bytes = FileManager.default.contents(atPath: path) else {
            throw TBError(.notFound, "setup script \(path) cannot be read")
        }
        try await runScript(guest, script: Array(bytes), name: (path as NSString).lastPathComponent, on: session)
    }

    private func runScript(_ guest: Guest, script bytes: [UInt8], name: String, on session: any GuestSession) async throws {
        let remote = "/tmp/tbctl-setup-\(guest.name).sh"
        try await session.upload(bytes, to: remote, mode: 0o755)
        let printer = LinePrinter(prefix: guest.name, progress: progress)
        let result = try await session.exec(GuestCommand.wrap(guest, "sh \(remote)")) { _, chunk in printer.feed(chunk) }
        printer.flush()
        guard result.succeeded else {
            let tail = (result.stderr.isEmpty ? result.stdout : result.stderr).split(separator: "\n").suffix(5).joined(separator: "\n")
            throw TBError(.command, "setup script \(name) exited with status \(result.status)", cause: tail)
        }
        // The run is recorded as done next: its writes must be on the guest's disk first, or a
        // hard power-off (virsh destroy) could lose them while tbctl believes they happened.
        _ = try await session.exec("sync")
    }
}

/// Commands run in a guest see the guest's `env` (as in its /etc/profile.d/tbctl-env.sh).
public enum GuestCommand {
    public static func wrap(_ guest: Guest, _ command: String) -> String {
        let exports = guest.env.sorted { $0.key < $1.key }.map { "export \($0.key)=\(shellQuote($0.value)); " }.joined()
        return exports + command
    }
}

/// Splits streamed output into lines and prints each with a `name | ` prefix.
final class LinePrinter: Sendable {
    private let prefix: String
    private let progress: Progress
    private let pending = Locked(LineBuffer())

    init(prefix: String, progress: Progress) { self.prefix = prefix; self.progress = progress }

    func feed(_ bytes: [UInt8]) {
        let lines = pending.withLock { $0.lines(adding: bytes) }
        for l in lines { progress.line("\(prefix) | \(l)") }
    }

    func flush() {
        if let rest = pending.withLock({ $0.rest() }) { progress.line("\(prefix) | \(rest)") }
    }
}
