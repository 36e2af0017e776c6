import Core
import Foundation
import Hosts
import Plan
import TestbedState

/// How long a boot is waited for: by progress, not by the clock (docs/scale.md).
public struct BootPolicy: Sendable {
    /// A guest whose console and CPU time stay still this long is given up.
    public var stallWindow: Duration = .seconds(60)
    /// How often each host's booting guests are sampled (one stats call, one console probe).
    public var interval: Duration = .seconds(1)
    /// The SSH wait's own bound, for a guest that keeps busy but never answers.
    public var ceiling: Duration = .seconds(1800)
    public init() {}
}

/// The start stage: every host at once, guests admitted to boot per host (`BootGate`) and each
/// waited for until it answers over SSH, following its progress (`BootProgress`). A guest that
/// panics or crashes is started again once, saying so; then its error carries the last lines
/// of its console.
struct Boots: Sendable {
    let context: ApplyContext
    let policy: BootPolicy
    var progress: Progress { context.progress }

    func run(_ actions: [Action]) async -> [Failure] {
        let board = BootBoard(total: actions.count, progress: progress)
        var hosts: [String: (gate: BootGate, sampler: BootSampler)] = [:]
        for name in Set(actions.map(\.host)).sorted() {
            guard let host = context.hosts[name] else { continue }
            let limit = await admissionLimit(host)
            hosts[name] = (BootGate(limit: limit), BootSampler(host: host, interval: policy.interval))
            let starting = actions.filter { $0.host == name }.count
            _ = await host.widen(for: min(limit, starting))
        }
        let executor = Executor(context: context), admitted = hosts
        let results = await concurrentResults(actions, limit: max(1, actions.count)) { a in
            try await executor.attributed(a) {
                guard case .startDomain(let g, let h) = a, let (gate, sampler) = admitted[h] else {
                    throw TBError(.internalError, "not a start on a connected host: \(a.summary)")
                }
                try await boot(try context.guest(g), gate: gate, sampler: sampler, board: board)
            }
        }
        board.finish()
        return StageRunner.failures(actions, results)
    }

    /// The host's `max_booting`, else two boots per core of the host (libvirt's node info).
    private func admissionLimit(_ host: any HostConnection) async -> Int {
        if let set = host.spec.maxBooting {
            progress.line("\(host.name): up to \(plural(set, "guest")) boot at once (max_booting)")
            return set
        }
        let cpus = (try? await host.libvirt.nodeCPUs()) ?? 1
        let limit = BootGate.derivedLimit(cpus: cpus)
        progress.line("\(host.name): up to \(plural(limit, "guest")) boot at once (\(plural(cpus, "CPU")); max_booting: sets it)")
        return limit
    }

    private func boot(_ guest: Guest, gate: BootGate, sampler: BootSampler, board: BootBoard) async throws {
        await gate.enter()
        board.admitted()
        do {
            try Task.checkCancellation()
            try await progress.task("boot \(guest.name) on \(guest.host)") { try await startAndWait(guest, sampler) }
        } catch {
            await gate.leave()
            board.ended(ready: false)
            throw error
        }
        await gate.leave()
        board.ended(ready: true)
    }

    /// Starts the guest and waits until it answers; one more start after a panic or crash.
    private func startAndWait(_ guest: Guest, _ sampler: BootSampler) async throws {
        let host = try context.host(guest.host)
        let executor = Executor(context: context)
        for attempt in 1...2 {
            // The log keeps earlier boots (console --log): this boot's part starts at its size now.
            let log = Names.serialLog(domain: guest.domain)
            let offset = await ConsoleLogs.size(log, on: host.runner)
            let began = ContinuousClock.now
            try await executor.startPaused(guest)?.resume()
            guard let verdict = try await waitReady(guest, host, sampler, since: began, offset: offset) else { return }
            let tail = await ConsoleLogs.tail(log, on: host.runner)
            let after = String(format: "%.1fs", began.duration(to: .now).seconds)
            if attempt == 1 && verdict.restartable {
                progress.line("\(guest.name) on \(host.name): \(verdict.text) \(after) after its start; starting it again, once"
                              + (tail.flatMap { $0.split(separator: "\n").last }.map { " (console: \($0))" } ?? ""))
                if let dom = try await host.libvirt.domain(named: guest.domain), try await dom.isActive() { try await dom.destroy() }
                continue
            }
            if try await host.libvirt.domain(named: guest.domain)?.isActive() == true, verdict == .panicked {
                // A panicked kernel spins: stop it rather than leave it eating a core.
                try? await host.libvirt.domain(named: guest.domain)?.destroy()
            }
            throw TBError(verdict.restartable ? .failed : .timeout,
                          "did not come up: \(verdict.text) \(after) after its start" + (attempt == 2 ? " (its second start)" : ""),
                          cause: tail.map { "last lines of its console (\(log) on host \(host.name)):\n\($0)" }
                              ?? "its console log \(log) on host \(host.name) is empty or unreadable")
        }
    }

    /// nil once the guest answers over SSH; the verdict when it stops making progress first.
    private func waitReady(_ guest: Guest, _ host: any HostConnection, _ sampler: BootSampler,
                           since began: ContinuousClock.Instant, offset: Int) async throws -> BootProgress.Verdict? {
        await sampler.watch(guest.domain, since: offset)
        let policy = self.policy, context = self.context
        let outcome = await Result {
            try await withThrowingTaskGroup(of: BootProgress.Verdict?.self) { group in
                group.addTask {
                    // By the guest's declared means (`wait:`: SSH, a port, nothing).
                    try await Executor(context: context).waitReady(guest, timeout: policy.ceiling)
                    return nil
                }
                group.addTask {
                    var watch = BootProgress(stallWindow: policy.stallWindow, since: began)
                    while true {
                        try await Task.sleep(for: policy.interval)
                        let s = await sampler.sample()
                        guard s.taken > began else { continue }
                        if let v = watch.observe(s.observation(of: guest.domain), at: s.taken) { return v }
                    }
                }
                defer { group.cancelAll() }
                return try await group.next() ?? nil
            }
        }
        await sampler.unwatch(guest.domain)
        return try outcome.get()
    }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}

/// "booting N of M, queued K, ready R" for the start stage: a live line on a terminal, a plain
/// line at each guest that ends its boot otherwise.
final class BootBoard: Sendable {
    private struct Counts { var booting = 0, ready = 0, failed = 0 }
    private let total: Int
    private let progress: Progress
    private let began = ContinuousClock.now
    private let counts = Locked(Counts())
    private let line: Int

    init(total: Int, progress: Progress) {
        self.total = total; self.progress = progress
        line = progress.begin("booting 0 of \(total), queued \(total), ready 0")
    }

    func admitted() { show(counts.withLock { $0.booting += 1; return $0 }, plain: false) }

    func ended(ready: Bool) {
        show(counts.withLock { c in
            c.booting -= 1
            if ready { c.ready += 1 } else { c.failed += 1 }
            return c
        }, plain: true)
    }

    func finish() { progress.end(line) }

    private func show(_ c: Counts, plain: Bool) {
        let queued = total - c.booting - c.ready - c.failed
        let text = "booting \(c.booting) of \(total), queued \(queued), ready \(c.ready)"
            + (c.failed > 0 ? ", failed \(c.failed)" : "")
            + String(format: " (%.1fs)", began.duration(to: .now).seconds)
        progress.update(line, text)
        if plain && !progress.isLive { progress.line(text) }
    }
}
