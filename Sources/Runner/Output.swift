import Core
import Foundation
import Records
import Scenario

/// Where one job instance's output goes: the record, the screen, the metric extractors,
/// the register capture and (for background jobs) waits on its log.
final class OutputSink: Sendable {
    let jobID: Int64
    let target: String
    let job: String
    private let ctx: RunContext
    private let metrics: [(name: String, regex: NSRegularExpression)]
    private let capture: Bool
    private let lines = Locked(LineBuffer())
    private let captured = Locked([UInt8]())
    /// A background job's lines, for `wait: {log: ...}`.
    let log: LogWatch?

    static let captureLimit = 1 << 20

    init(jobID: Int64, target: String, job: Job, ctx: RunContext, capture: Bool, log: LogWatch? = nil) {
        self.jobID = jobID; self.target = target; self.job = job.name; self.ctx = ctx; self.capture = capture; self.log = log
        metrics = job.metrics.compactMap { m in (try? NSRegularExpression(pattern: m.pattern)).map { (m.name, $0) } }
    }

    func write(_ stream: LogStream, _ bytes: [UInt8]) {
        ctx.record.output(jobID, stream, bytes)
        ctx.events.output(target: target, job: job, stream, bytes)
        guard stream == .stdout else { return }
        if capture {
            captured.withLock { c in if c.count < Self.captureLimit { c += bytes.prefix(Self.captureLimit - c.count) } }
        }
        if !metrics.isEmpty || log != nil { for line in complete(bytes) { take(line) } }
    }

    /// The last line, when it had no newline.
    func finish() {
        if let rest = lines.withLock({ $0.rest() }) { take(rest) }
    }

    /// stdout so far, trimmed: the value `register` stores.
    var registered: String {
        String(decoding: captured.current, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func complete(_ bytes: [UInt8]) -> [String] {
        lines.withLock { $0.lines(adding: bytes) }
    }

    private func take(_ line: String) {
        log?.add(line)
        let ns = line as NSString
        for m in metrics {
            guard let match = m.regex.firstMatch(in: line, range: NSRange(location: 0, length: ns.length)),
                  match.numberOfRanges > 1, match.range(at: 1).location != NSNotFound,
                  let value = Double(ns.substring(with: match.range(at: 1)).trimmingCharacters(in: .whitespaces)) else { continue }
            ctx.record.sample(jobID, metric: m.name, value: value, at: Date().timeIntervalSince1970)
        }
    }
}

/// The lines of a background job, kept for waits that start after the line came.
final class LogWatch: Sendable {
    private struct State {
        var lines: [String] = []
        var waiters: [(id: Int, regex: NSRegularExpression, resume: CheckedContinuation<Bool, Never>)] = []
        var ended = false
        var next = 0
    }
    private let state = Locked(State())
    static let keep = 10_000

    func add(_ line: String) {
        let ready = state.withLock { s -> [CheckedContinuation<Bool, Never>] in
            s.lines.append(line)
            if s.lines.count > Self.keep { s.lines.removeFirst(s.lines.count - Self.keep) }
            let hit = s.waiters.filter { Self.matches($0.regex, line) }
            s.waiters.removeAll { w in hit.contains { $0.id == w.id } }
            return hit.map(\.resume)
        }
        for r in ready { r.resume(returning: true) }
    }

    /// The job ended: waits still waiting give up.
    func end() {
        let all = state.withLock { s -> [CheckedContinuation<Bool, Never>] in
            s.ended = true
            defer { s.waiters = [] }
            return s.waiters.map(\.resume)
        }
        for r in all { r.resume(returning: false) }
    }

    /// True when a line (already printed or still to come) matches; false when the job ends
    /// first or the task is cancelled (by the wait's timeout).
    func wait(for regex: NSRegularExpression) async -> Bool {
        let id = state.withLock { s -> Int in s.next += 1; return s.next }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Bool, Never>) in
                let now = state.withLock { s -> Bool? in
                    if s.lines.contains(where: { Self.matches(regex, $0) }) { return true }
                    if s.ended || Task.isCancelled { return false }
                    s.waiters.append((id, regex, c))
                    return nil
                }
                if let now { c.resume(returning: now) }
            }
        } onCancel: {
            let w = state.withLock { s -> CheckedContinuation<Bool, Never>? in
                guard let i = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return s.waiters.remove(at: i).resume
            }
            w?.resume(returning: false)
        }
    }

    static func matches(_ r: NSRegularExpression, _ line: String) -> Bool {
        r.firstMatch(in: line, range: NSRange(location: 0, length: (line as NSString).length)) != nil
    }
}

/// The run's background jobs: their tasks (awaited at the end) and logs (for waits).
final class BackgroundJobs: Sendable {
    struct Entry: Sendable {
        var target: Target
        var name: String
        var log: LogWatch
        var task: Task<Void, Never>
    }
    private let entries = Locked<[Entry]>([])
    /// Background jobs that failed on their own, as "name on target: why".
    let failures = Locked<[String]>([])
    /// How many entries a restore ended: those jobs' ends are no failure (the guests went
    /// back to a time before them).
    private let released = Locked(0)

    func add(_ e: Entry) { entries.withLock { $0.append(e) } }

    /// Every background job started so far ends with a snapshot restore.
    func releaseAll() { released.withLock { $0 = entries.withLock { $0.count } } }

    /// Whether the job with this log was released by a restore.
    func isReleased(_ log: LogWatch) -> Bool {
        let n = released.current
        return entries.withLock { Array($0.prefix(n)).contains { $0.log === log } }
    }

    /// The latest background job of that name on the target.
    func log(_ name: String, on target: Target) -> LogWatch? {
        entries.withLock { $0.last { $0.name == name && $0.target == target }?.log }
    }

    var all: [Entry] { entries.current }
}

/// Folders `copy` sends, packed once per run (tar) and shared by every target.
final class Archives: Sendable {
    private let made = Locked<[String: Task<String, any Error>]>([:])
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tbctl-copy-\(getpid())-\(UUID().uuidString.prefix(8))").path

    func archive(of directory: String) async throws -> String {
        let task = made.withLock { m -> Task<String, any Error> in
            if let t = m[directory] { return t }
            let out = folder + "/\(m.count).tar"
            let dir = folder
            let t = Task {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                let r = try await Subprocess.run(["tar", "-C", directory, "-cf", out, "."])
                guard r.succeeded else { throw TBError(.io, "cannot pack \(directory) for copying", cause: r.stderr) }
                return out
            }
            m[directory] = t
            return t
        }
        return try await task.value
    }

    func remove() { try? FileManager.default.removeItem(atPath: folder) }
}
