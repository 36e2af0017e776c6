import Core
import Foundation

extension Snapshots {
    /// Runs `body` for every item at once (up to `width`), as a progress task that fails when
    /// any item failed; the results come back in order, failures included.
    func phase<T: Sendable>(_ label: String, _ items: [T], _ body: @escaping @Sendable (T) async throws -> Void) async -> [Result<Void, any Error>] {
        let box = Locked<[Result<Void, any Error>]>([])
        _ = try? await progress.task(label) {
            let r = await each(items, body)
            box.withLock { $0 = r }
            if r.contains(where: { if case .failure = $0 { true } else { false } }) { throw PhaseFailed() }
        }
        return box.current
    }

    /// Concurrent map that never throws: each item's result, in order. Blocking libvirt calls
    /// run on their own threads (Core.blocking), so they all are in flight together.
    func each<T: Sendable, R: Sendable>(_ items: [T], _ body: @escaping @Sendable (T) async throws -> R) async -> [Result<R, any Error>] {
        await concurrentResults(items, limit: width, body)
    }

    static func throwIfAny<R>(_ results: [Result<R, any Error>], _ targets: [Target], _ what: String) throws {
        let problems = failures(results, targets, prefix: nil)
        guard problems.isEmpty else { throw TBError(.notFound, "\(what); nothing was changed:\n" + problems.joined(separator: "\n")) }
    }

    /// "- guest web-1 on host rack2: <prefix>: <error>" for each failed result.
    static func failures<R>(_ results: [Result<R, any Error>], _ targets: [Target], prefix: String?) -> [String] {
        zip(targets, results).compactMap { t, r in
            guard case .failure(let e) = r else { return nil }
            return "- guest \(t.guest.name) on host \(t.host.name): \(prefix.map { "\($0): " } ?? "")\(indent(e.asTBError(.libvirt).description))"
        }
    }
}

private struct PhaseFailed: Error {}

/// Per guest: how long its libvirt call (snapshot, revert) took, and when tbctl paused and
/// resumed it. Written by the phases' tasks, read for the summary.
final class GuestClock: Sendable {
    private struct Marks { var call: Double?; var paused: ContinuousClock.Instant?; var resumed: ContinuousClock.Instant? }
    private let marks = Locked([String: Marks]())

    /// Runs `body` (one guest's libvirt call) and keeps its duration.
    func timing(_ guest: String, _ body: () async throws -> Void) async throws {
        let start = ContinuousClock.now
        try await body()
        let s = (ContinuousClock.now - start).seconds
        marks.withLock { $0[guest, default: Marks()].call = s }
    }

    func paused(_ guest: String) { marks.withLock { $0[guest, default: Marks()].paused = .now } }
    func resumed(_ guest: String) { marks.withLock { $0[guest, default: Marks()].resumed = .now } }

    func call(_ guest: String) -> Double? { marks.withLock { $0[guest]?.call } }

    /// Seconds the guest stood paused (nil: tbctl did not both pause and resume it).
    func pause(_ guest: String) -> Double? {
        marks.withLock { m in
            guard let p = m[guest]?.paused, let r = m[guest]?.resumed else { return nil }
            return (r - p).seconds
        }
    }
}
