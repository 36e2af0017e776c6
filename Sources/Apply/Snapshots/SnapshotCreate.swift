import Core
import Foundation
import TestbedState

extension Snapshots {
    /// Takes snapshot `name` of every guest (a testbed snapshot) or of the guests in `only`.
    /// All or nothing: when any guest fails, the snapshots already taken under that name are
    /// deleted and one error names each failed guest, its host and libvirt's message. Guests
    /// tbctl paused are resumed in every case.
    public func create(_ name: String, guests only: [String] = []) async throws -> CreateSummary {
        try SnapshotName.validate(name)
        let lock = try ProjectLock(path: workspace.path("lock"), command: "snapshot create \(name)")
        defer { withExtendedLifetime(lock) {} }
        if let s = try store.load().snapshot(named: name) {
            throw TBError(.conflict, "there is already a snapshot called \(name) (\(s.kind.rawValue), \(s.createdAt), "
                          + "\(plural(s.guests.count, "guest"))); choose another name or run `tbctl snapshot delete \(name)` first")
        }
        let (kind, guests) = try SnapshotPlan.guestsToSnapshot(state, only: only)
        let began = ContinuousClock.now
        let hostNames = Set(guests.map(\.host))
        progress.stage("snapshot \(name): \(plural(guests.count, "guest")) on \(plural(hostNames.count, "host"))"
                       + (kind == .testbed ? " (the whole testbed)" : ""))
        return try await withHosts(hostNames) { hosts in
            try await take(name, kind: kind, targets: try await resolve(guests, hosts), began: began)
        }
    }

    /// Pause the running guests, snapshot them all, resume them; keep the snapshot only if
    /// every guest has it.
    private func take(_ name: String, kind: SnapshotRecord.Snapshot.Kind, targets: [Target],
                      began: ContinuousClock.Instant) async throws -> CreateSummary {
        let createdAt = ISO8601DateFormatter().string(from: Date())
        let clock = GuestClock()
        var runs = targets.map { SnapshotPlan.Run(guest: $0.guest.name, host: $0.host.name, state: $0.state) }
        await pauseRunning(targets, &runs, clock)
        if !runs.contains(where: { $0.pauseError != nil }) && !Task.isCancelled {
            await snapshotAll(name, kind, targets, &runs, clock)
        }
        let interrupted = Task.isCancelled
        let decision = SnapshotPlan.decide(runs, interrupted: interrupted)
        let resumeErrors = await resume(targets.indices.filter { decision.resume.contains(targets[$0].guest.name) }, targets, clock)
        guard decision.keep else {
            var error = SnapshotPlan.failure(name, runs: runs, interrupted: interrupted,
                                             rollbackErrors: await rollBack(name, targets, decision))
            if !resumeErrors.isEmpty {
                error.message += "\nbut these guests could not be resumed (`tbctl up` resumes them):\n" + resumeErrors.joined(separator: "\n")
            }
            throw error
        }
        let entries = targets.map { SnapshotRecord.GuestEntry(guest: $0.guest.name, host: $0.host.name, domain: $0.guest.domain, state: $0.state) }
        try store.update { $0.add(.init(name: name, kind: kind, createdAt: createdAt, guests: entries)) }
        let summary = CreateSummary(
            name: name, kind: kind, createdAt: createdAt, hosts: Array(Set(targets.map(\.host.name))).sorted(),
            seconds: (ContinuousClock.now - began).seconds,
            guests: targets.map { t in .init(guest: t.guest.name, host: t.host.name, state: t.state,
                                             snapshotSeconds: clock.call(t.guest.name), pausedSeconds: clock.pause(t.guest.name)) }
                .sorted { $0.guest < $1.guest })
        report(summary)
        guard resumeErrors.isEmpty else {
            throw TBError(.libvirt, "snapshot \(name) was taken, but these guests could not be resumed (`tbctl up` resumes them):\n"
                          + resumeErrors.joined(separator: "\n"))
        }
        return summary
    }

    /// 1. Every running guest paused, all at once.
    private func pauseRunning(_ targets: [Target], _ runs: inout [SnapshotPlan.Run], _ clock: GuestClock) async {
        let running = targets.indices.filter { targets[$0].state == .running }
        guard !running.isEmpty else { return }
        let paused = await phase("pause \(plural(running.count, "running guest"))", running) { i in
            try await targets[i].domain.suspend()
            clock.paused(targets[i].guest.name)
        }
        for (i, r) in zip(running, paused) {
            if case .failure(let e) = r { runs[i].pauseError = .init(e) } else { runs[i].pausedByUs = true }
        }
    }

    /// 2. Every guest snapshotted, all at once.
    private func snapshotAll(_ name: String, _ kind: SnapshotRecord.Snapshot.Kind, _ targets: [Target],
                             _ runs: inout [SnapshotPlan.Run], _ clock: GuestClock) async {
        let description = "tbctl \(kind == .testbed ? "testbed" : "guest") snapshot"
        let taken = await phase("snapshot \(plural(targets.count, "guest"))", Array(targets.indices)) { i in
            try await clock.timing(targets[i].guest.name) {
                _ = try await targets[i].domain.createSnapshot(name: name, description: description)
            }
            progress.detail(String(format: "%@ snapshotted in %.2f s", targets[i].guest.name, clock.call(targets[i].guest.name) ?? 0))
        }
        for (i, r) in taken.enumerated() {
            if case .failure(let e) = r { runs[i].snapshotError = .init(e) } else { runs[i].snapshotTaken = true }
        }
    }

    /// 3. Every guest tbctl paused resumed, whatever happened before. Returns the failures.
    func resume(_ indices: [Int], _ targets: [Target], _ clock: GuestClock, prefix: String? = nil) async -> [String] {
        guard !indices.isEmpty else { return [] }
        let resumed = await phase("resume \(plural(indices.count, "guest"))", indices) { i in
            try await targets[i].domain.resume()
            clock.resumed(targets[i].guest.name)
        }
        return Self.failures(resumed, indices.map { targets[$0] }, prefix: prefix)
    }

    /// 4. All or nothing: the snapshots already taken are deleted again. Returns, by guest,
    /// the deletions that failed.
    private func rollBack(_ name: String, _ targets: [Target], _ decision: SnapshotPlan.Decision) async -> [String: String] {
        let undo = targets.indices.filter { decision.delete.contains(targets[$0].guest.name) }
        guard !undo.isEmpty else { return [:] }
        let deleted = await phase("roll back: delete \(name) from \(plural(undo.count, "guest"))", undo) { i in
            guard let s = try await targets[i].domain.snapshot(named: name) else { return }
            try await s.delete(metadataOnly: false)
        }
        var errors: [String: String] = [:]
        for (i, r) in zip(undo, deleted) {
            if case .failure(let e) = r { errors[targets[i].guest.name] = e.asTBError(.libvirt).description }
        }
        return errors
    }

    private func report(_ summary: CreateSummary) {
        let pauses = summary.paused
        for (g, s) in pauses.sorted(by: { $0.key < $1.key }) { progress.detail(String(format: "%@ was paused %.2f s", g, s)) }
        progress.line(String(format: "snapshot %@ taken: %@ on %@ in %.1f s%@", summary.name, plural(summary.guests.count, "guest"),
                             plural(summary.hosts.count, "host"), summary.seconds, Self.pauseRange(Array(pauses.values))))
    }
}
