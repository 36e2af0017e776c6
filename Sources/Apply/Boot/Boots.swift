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
        for (_, h) in hosts { await h.sampler.begin(progress: progress) }
        let executor = Executor(context: context), admitted = hosts
        let results = await concurrentResults(actions, limit: max(1, actions.count)) { a in
            try await executor.attributed(a) {
                guard case .startDomain(let g, let h) = a, let (gate, sampler) = admitted[h] else {
                    throw TBError(.internalError, "not a start on a connected host: \(a.summary)")
                }
                try await boot(try context.guest(g), gate: gate, sampler: sampler, board: board)
            }
        }
        for (_, h) in hosts { await h.sampler.end() }
        board.finish()
        return StageRunner.failures(actions, results)
    }

    /// One guest started and waited for outside the start stage (a golden image's builder):
    /// the same progress rule and one more start after a panic, without admission.
    /// Returns the SSH session that found it ready (nil for a port or no wait).
    func bootAlone(_ guest: Guest) async throws -> (any GuestSession)? {
        let sampler = BootSampler(host: try context.host(guest.host), interval: policy.interval)
        await sampler.begin(progress: progress)
        let outcome: Result<(any GuestSession)?, any Error>
        do { outcome = .success(try await startAndWait(guest, sampler)) } catch { outcome = .failure(error) }
        await sampler.end()
        return try outcome.get()
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
            try await progress.task("boot \(guest.name) on \(guest.host)") { try await startAndWait(guest, sampler)?.close() }
        } catch {
            await gate.leave()
            board.ended(ready: false)
            throw error
        }
        await gate.leave()
        board.ended(ready: true)
    }

    /// Starts the guest and waits until it answers; one more start after a panic or crash.
    /// Returns the SSH session that found it ready (nil for a port or no wait).
    private func startAndWait(_ guest: Guest, _ sampler: BootSampler) async throws -> (any GuestSession)? {
        let host = try context.host(guest.host)
        let log = Names.serialLog(domain: guest.domain)
        var attempt = 1
        while true {
            let began = ContinuousClock.now
            let verdict: BootProgress.Verdict
            switch try await startOnce(guest, host, sampler) {
            case .ready(let session): return session
            case .ended(let v): verdict = v
            }
            if case .reported = verdict { await ConsoleLogs.settle(log, on: host.runner) }
            let tail = await ConsoleLogs.tail(log, on: host.runner)
            let after = String(format: "%.1fs", began.duration(to: .now).seconds)
            if attempt == 1 && verdict.restartable {
                progress.line("\(guest.name) on \(host.name): \(verdict.text) \(after) after its start; starting it again, once"
                              + (tail.flatMap { ConsoleLogs.headline(of: $0) }.map { " (console: \($0))" } ?? ""))
                if let dom = try await host.libvirt.domain(named: guest.domain), try await dom.isActive() { try await dom.destroy() }
                attempt = 2
                continue
            }
            if verdict == .panicked || verdict == .reported(.panicked),
               let dom = try await host.libvirt.domain(named: guest.domain), try await dom.isActive() {
                // A panicked kernel spins: stop it rather than leave it eating a core.
                try? await dom.destroy()
            }
            throw TBError(verdict.restartable ? .failed : .timeout,
                          "did not come up: \(verdict.text) \(after) after its start" + (attempt == 2 ? " (its second start)" : ""),
                          cause: tail.map { "last lines of its console (\(log) on host \(host.name)):\n\($0)" }
                              ?? "its console log \(log) on host \(host.name) is empty or unreadable")
        }
    }

    /// One start, watched from before it (a panic in its first second is not missed); the log
    /// keeps earlier boots (console --log), so this boot's part starts at the log's size now.
    private func startOnce(_ guest: Guest, _ host: any HostConnection, _ sampler: BootSampler) async throws -> Outcome {
        let offset = await ConsoleLogs.size(Names.serialLog(domain: guest.domain), on: host.runner)
        let began = ContinuousClock.now
        let stops = await sampler.watch(guest.domain, since: offset, address: (guest.managementIP, guest.managementNIC.mac))
        do {
            try await Executor(context: context).startPaused(guest)?.resume()
            let outcome = try await waitReady(guest, sampler, stops, since: began)
            await sampler.unwatch(guest.domain)
            return outcome
        } catch {
            await sampler.unwatch(guest.domain)
            throw error
        }
    }

    /// How a boot's wait ended: the guest answered (with the SSH session that proved it), or
    /// a verdict of `BootProgress` or libvirt's event came first.
    enum Outcome: Sendable {
        case ready((any GuestSession)?)
        case ended(BootProgress.Verdict)
    }

    /// Ready once the guest answers (by its `wait:`); ended when it stops making progress
    /// first, or at once when libvirt tells it stopped on its own.
    private func waitReady(_ guest: Guest, _ sampler: BootSampler, _ stops: AsyncStream<DomainStop>,
                           since began: ContinuousClock.Instant) async throws -> Outcome {
        let policy = self.policy, context = self.context
        return try await withThrowingTaskGroup(of: Outcome.self) { group in
            group.addTask {
                // By the guest's declared means (`wait:`: SSH, a port, nothing).
                .ready(try await Executor(context: context).openWhenReady(guest, timeout: policy.ceiling))
            }
            group.addTask {
                var watch = BootProgress(stallWindow: policy.stallWindow, since: began)
                while true {
                    try await Task.sleep(for: policy.interval)
                    let s = await sampler.sample()
                    guard s.taken > began else { continue }
                    if let v = watch.observe(await sampler.observation(of: guest.domain, in: s), at: s.taken) { return .ended(v) }
                }
            }
            group.addTask {
                for await stop in stops { return .ended(.reported(stop.why)) }
                // No more events (the connection's subscription ended): the other two decide.
                while true { try await Task.sleep(for: .seconds(3600)) }
            }
            let first = try await group.next()!
            group.cancelAll()
            // A session the SSH wait opened as another ending came first is closed, not leaked.
            while let rest = await group.nextResult() {
                if case .success(.ready(let s?)) = rest { await s.close() }
            }
            return first
        }
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
