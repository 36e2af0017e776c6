import Core

/// Guests' serial console logs, read on their host through its runner (a subprocess on the
/// master, an exec channel on a remote host), so remote guests are watched like local ones.
public enum ConsoleLogs {
    /// What one probe tells of a log: its size (nil: no such file yet) and whether it shows a
    /// kernel panic.
    public struct Mark: Sendable, Equatable {
        public var bytes: Int?
        public var panicked: Bool
        public init(bytes: Int?, panicked: Bool) { self.bytes = bytes; self.panicked = panicked }
    }

    /// Prints `<size> <0|1 panic> <path>` per pair `<offset> <path>` of arguments (size -1: no
    /// file); a panic counts only after the offset, since the log keeps earlier boots. One
    /// process per probe for every guest booting on the host.
    public static let probeScript = """
        while [ $# -gt 1 ]; do o=$1; f=$2; shift 2; s=$(stat -c %s -- "$f" 2>/dev/null || echo -1); p=0; \
        tail -c +$((o + 1)) -- "$f" 2>/dev/null | grep -q -F 'Kernel panic' && p=1; echo "$s $p $f"; done
        """

    /// Each log's mark; `since` is the log's size when the guest's current boot began.
    public static func probe(_ logs: [(path: String, since: Int)], on runner: any CommandRunner) async throws -> [String: Mark] {
        guard !logs.isEmpty else { return [:] }
        let r = try await runner.run(["sh", "-c", probeScript, "sh"] + arguments(logs))
        return marks(r.stdout.split(separator: "\n"))
    }

    static func arguments(_ logs: [(path: String, since: Int)]) -> [String] {
        logs.flatMap { [String($0.since), $0.path] }
    }

    /// The marks in the probe script's output lines (other lines are skipped).
    static func marks(_ lines: [Substring]) -> [String: Mark] {
        var out: [String: Mark] = [:]
        for line in lines {
            let f = line.split(separator: " ", maxSplits: 2)
            guard f.count == 3, let size = Int(f[0]) else { continue }
            out[String(f[2])] = Mark(bytes: size < 0 ? nil : size, panicked: f[1] == "1")
        }
        return out
    }

    /// The log's size now (0 when there is none yet): where a boot starting now begins.
    public static func size(_ path: String, on runner: any CommandRunner) async -> Int {
        ((try? await probe([(path, 0)], on: runner))?[path]?.bytes) ?? 0
    }

    /// The log once it stops growing (checked every 100 ms, for at most a second): a panic told
    /// by libvirt's event arrives before virtlogd has written the guest's last lines, the
    /// `Kernel panic` line among them. There is no event for a file that stopped growing.
    public static func settle(_ path: String, on runner: any CommandRunner) async {
        var size = await size(path, on: runner)
        for _ in 0..<10 {
            try? await Task.sleep(for: .milliseconds(100))
            let now = await self.size(path, on: runner)
            if now == size { return }
            size = now
        }
    }

    /// The part of a log worth showing, without terminal control characters (nil: unreadable):
    /// from the line before its last kernel panic on, when it has one (the stack dump after it
    /// would push the panic's reason out of the last lines), else its last lines.
    public static func tail(_ path: String, lines: Int = 15, on runner: any CommandRunner) async -> String? {
        guard let r = try? await runner.run(["tail", "-n", "\(lines * 10)", path]), r.succeeded else { return nil }
        let text = r.stdout.unicodeScalars.filter { $0 == "\n" || $0 == "\t" || ($0.value >= 0x20 && $0.value != 0x7f) }
        let all = String(String.UnicodeScalarView(text)).split(separator: "\n", omittingEmptySubsequences: true)
        let shown = all.lastIndex { $0.contains("Kernel panic") }
            .map { all[max(all.startIndex, $0 - 1)...].prefix(lines) } ?? all.suffix(lines)
        return shown.isEmpty ? nil : shown.joined(separator: "\n")
    }

    /// The line that says why the kernel panicked, else the last line.
    public static func headline(of tail: String) -> Substring? {
        let lines = tail.split(separator: "\n")
        return lines.last { $0.contains("Kernel panic") } ?? lines.last
    }
}
