import Apply
import Core
import Foundation
import Records
import Runner
import Scenario

/// What `tbctl run` shows while it runs: on a terminal, one live line per stage with its
/// done / running / failed counts; job output as `target job | line`, whole lines only; each
/// failed job with its reason. Off a terminal (or detached) the same as plain lines.
final class RunDisplay: RunEvents {
    private let progress: Apply.Progress
    private let quiet: Bool
    private let live = Locked<(id: Int, name: String, started: Date)?>(nil)
    private let lines = LineJoiner()

    init(progress: Apply.Progress, quiet: Bool = false) { self.progress = progress; self.quiet = quiet }

    func stageStarted(_ stage: PlannedStage) {
        guard !quiet else { return }
        let s = stage.stage
        let what = stage.isTestbedStage ? "the testbed" : "\(stage.targets.count) \(stage.targets.first?.kind == .host ? "host" : "guest")\(stage.targets.count == 1 ? "" : "s")"
        let name = "stage \(s.index + 1) \(s.name)"
        progress.stage("\(name): \(what)")
        let id = progress.begin("\(name): starting")
        live.withLock { $0 = (id, name, Date()) }
    }

    func stageProgress(_ index: Int, _ c: StageCounts) {
        guard let l = live.current else { return }
        progress.update(l.id, "\(l.name): \(c.done)/\(c.total) done, \(c.running) running, \(c.failed) failed")
    }

    func stageEnded(_ index: Int, _ status: RunStatus, _ c: StageCounts) {
        guard !quiet, let l = live.withLock({ l -> (id: Int, name: String, started: Date)? in defer { l = nil }; return l }) else { return }
        progress.end(l.id)
        progress.line(String(format: "%@ %@: %d/%d done, %d failed (%.1fs)", l.name, status.rawValue, c.done, c.total, c.failed,
                             Date().timeIntervalSince(l.started)))
    }

    func output(target: String, job: String, _ stream: LogStream, _ bytes: [UInt8]) {
        guard !quiet else { return }
        for line in lines.add("\(target) \(job)", stream, bytes) { progress.line(line) }
    }

    func jobEnded(target: String, job: String, item: String?, status: JobStatus, message: String?) {
        guard !quiet else { return }
        for line in lines.finish("\(target) \(job)") { progress.line(line) }
        guard status == .failed || status == .ignored else { return }
        progress.line("\(target) \(job)\(item.map { " [\($0)]" } ?? ""): \(status == .ignored ? "failed (ignored)" : "FAILED")"
                      + (message.map { ": \($0)" } ?? ""))
    }

    func line(_ text: String) { if !quiet { progress.line(text) } }
}

/// Chunks of output into whole lines, each with its prefix: `web-0 server | listening`.
final class LineJoiner: Sendable {
    private struct Key: Hashable { var prefix: String; var stream: Int }
    private let pending = Locked([Key: LineBuffer]())

    func add(_ prefix: String, _ stream: LogStream, _ bytes: [UInt8]) -> [String] {
        pending.withLock { all in
            let key = Key(prefix: prefix, stream: stream.rawValue)
            var buf = all[key, default: LineBuffer()]
            let out = buf.lines(adding: bytes).map { "\(prefix) | " + $0 }
            all[key] = buf.isEmpty ? nil : buf
            return out
        }
    }

    /// What is left of a prefix's last lines (output without a final newline).
    func finish(_ prefix: String) -> [String] {
        pending.withLock { all in
            var out: [String] = []
            for s in [1, 2] {
                if var buf = all.removeValue(forKey: Key(prefix: prefix, stream: s)), let rest = buf.rest() {
                    out.append("\(prefix) | " + rest)
                }
            }
            return out
        }
    }
}
