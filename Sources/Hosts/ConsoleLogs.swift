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
        let r = try await runner.run(["sh", "-c", probeScript, "sh"] + logs.flatMap { [String($0.since), $0.path] })
        var out: [String: Mark] = [:]
        for line in r.stdout.split(separator: "\n") {
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

    /// The last `lines` lines of a log, without terminal control characters (nil: unreadable).
    public static func tail(_ path: String, lines: Int = 15, on runner: any CommandRunner) async -> String? {
        guard let r = try? await runner.run(["tail", "-n", "\(lines)", path]), r.succeeded else { return nil }
        let text = r.stdout.unicodeScalars.filter { $0 == "\n" || $0 == "\t" || ($0.value >= 0x20 && $0.value != 0x7f) }
        let out = String(String.UnicodeScalarView(text)).split(separator: "\n", omittingEmptySubsequences: true)
            .suffix(lines).joined(separator: "\n")
        return out.isEmpty ? nil : out
    }
}
