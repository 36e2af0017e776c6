import Core
import Foundation

/// Progress on the terminal. On a TTY, one live line per running task with its elapsed time,
/// redrawn in place; otherwise plain lines as tasks start and end (logs and CI stay readable).
/// `-v` also prints every libvirt/OVS/SSH step (`detail`).
public final class Progress: Sendable {
    public let verbose: Bool
    private let tty: Bool
    private let write: @Sendable (String) -> Void
    private let start = Date()
    private struct Live { var tasks: [(id: Int, label: String, since: Date)] = []; var drawn = 0; var next = 0 }
    private let live = Locked(Live())
    private let ticker: Locked<DispatchSourceTimer?> = Locked(nil)

    /// Lines go to stdout, or to stderr when stdout carries a JSON document (`--format json`);
    /// `output` takes the text instead (tests read it), with no live display then.
    public init(verbose: Bool, tty: Bool? = nil, toStandardError: Bool = false, output: (@Sendable (String) -> Void)? = nil) {
        self.verbose = verbose
        self.tty = (tty ?? (isatty(toStandardError ? STDERR_FILENO : STDOUT_FILENO) == 1)) && output == nil
        let stream: FileHandle = toStandardError ? .standardError : .standardOutput
        self.write = output ?? { stream.write(Data($0.utf8)) }
        if self.tty {
            let t = DispatchSource.makeTimerSource(queue: .global())
            t.schedule(deadline: .now() + 0.25, repeating: 0.25)
            t.setEventHandler { [weak self] in self?.redraw() }
            t.resume()
            ticker.withLock { $0 = t }
        }
    }

    deinit { ticker.withLock { $0?.cancel() } }

    /// Whether live lines show (a terminal): off one, callers print what should stay.
    public var isLive: Bool { tty }

    private var clock: String { String(format: "[%6.1fs]", Date().timeIntervalSince(start)) }

    /// A stage heading.
    public func stage(_ title: String) { line("==> \(title)") }

    /// A line that stays (output of setup scripts, results).
    public func line(_ text: String) {
        live.withLock { l in
            clear(&l)
            write("\(clock) \(text)\n")
            draw(&l)
        }
    }

    public func detail(_ text: String) { if verbose { line("    \(text)") } }

    /// Runs `body` as a live task; prints its outcome with its duration.
    public func task<T: Sendable>(_ label: String, _ body: () async throws -> T) async throws -> T {
        let began = Date()
        let id = live.withLock { l -> Int in
            l.next += 1
            l.tasks.append((l.next, label, began))
            return l.next
        }
        if !tty { line("... \(label)") }
        defer { live.withLock { l in l.tasks.removeAll { $0.id == id } } }
        do {
            let v = try await body()
            line(String(format: "ok  %@ (%.1fs)", label, Date().timeIntervalSince(began)))
            return v
        } catch {
            line(String(format: "ERR %@ (%.1fs)", label, Date().timeIntervalSince(began)))
            throw error
        }
    }

    /// A live line whose text changes as things go (a stage's counts), with its elapsed time;
    /// `end` takes it away. Off a terminal nothing shows (the caller prints what stays).
    public func begin(_ label: String) -> Int {
        live.withLock { l -> Int in
            l.next += 1
            l.tasks.append((l.next, label, Date()))
            return l.next
        }
    }

    public func update(_ id: Int, _ label: String) {
        live.withLock { l in if let i = l.tasks.firstIndex(where: { $0.id == id }) { l.tasks[i].label = label } }
    }

    public func end(_ id: Int) { live.withLock { l in l.tasks.removeAll { $0.id == id } } }

    private func redraw() { live.withLock { l in clear(&l); draw(&l) } }

    private func clear(_ l: inout Live) {
        guard tty, l.drawn > 0 else { return }
        write(String(repeating: "\u{1b}[1A\u{1b}[2K", count: l.drawn))
        l.drawn = 0
    }

    private func draw(_ l: inout Live) {
        guard tty, !l.tasks.isEmpty else { return }
        let now = Date()
        let shown = l.tasks.prefix(12)
        var text = shown.map { String(format: "    %5.1fs  %@", now.timeIntervalSince($0.since), $0.label) }
        if l.tasks.count > shown.count { text.append("    … and \(l.tasks.count - shown.count) more") }
        write(text.joined(separator: "\n") + "\n")
        l.drawn = text.count
    }
}
