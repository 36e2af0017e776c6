import Conditions
import Core
import Foundation
import Hosts
import TestbedState

extension Snapshots {
    /// Brings every guest of snapshot `name` (or those in `only`) back to it, on all hosts
    /// concurrently. Guests that ran at the snapshot are reverted paused and resumed together
    /// once every guest is reverted; the others come back paused or shut off as they were.
    public func restore(_ name: String, guests only: [String] = []) async throws -> RestoreSummary {
        let lock = try ProjectLock(path: workspace.path("lock"), command: "snapshot restore \(name)")
        defer { withExtendedLifetime(lock) {} }
        let snapshot = try recorded(name)
        let entries = try SnapshotPlan.entries(of: snapshot, only: only)
        try SnapshotPlan.checkStillThere(entries, snapshot: name, state: state)
        let began = ContinuousClock.now
        let hostNames = Set(entries.map(\.host))
        progress.stage("restore \(name): \(plural(entries.count, "guest")) on \(plural(hostNames.count, "host"))")
        if only.isEmpty {
            let outside = state.userGuests.map(\.name).filter { snapshot.entry($0) == nil }
            if !outside.isEmpty { progress.line("not in snapshot \(name), left as they are: \(outside.joined(separator: ", "))") }
        }
        // checkStillThere found every guest in the state.
        let guests = entries.compactMap { state.guest(named: $0.guest) }
        return try await withHosts(hostNames) { hosts in
            let summary = try await revert(name, entries, try await resolve(guests, hosts), began: began)
            try await keepConditions(Set(guests.map(\.name)), hosts)
            return summary
        }
    }

    /// A revert brings back the snapshot's qdiscs and link states (docs/conditions.md):
    /// conditions are the testbed's present, not part of its snapshots, so the current ones
    /// are put back on the restored guests.
    func keepConditions(_ guests: Set<String>, _ hosts: HostSet) async throws {
        guard ConditionsRecord.exists(workspace) else { return }   // never used: no snapshot holds any
        let outcome = try await NetworkConditions(state: state, workspace: workspace, connector: connector).afterRevert(guests, using: hosts)
        progress.line("network conditions: the testbed's current ones are kept (a snapshot does not hold them)"
                      + (outcome.changes.isEmpty ? "" : ": " + outcome.changes.joined(separator: "; ")))
        guard !outcome.failures.isEmpty else { return }
        throw TBError(.command, "the snapshot was restored, but network conditions could not all be put back (`tbctl up` retries):\n"
                      + outcome.failures.map { "- " + $0.description }.joined(separator: "\n"))
    }

    private func revert(_ name: String, _ entries: [SnapshotRecord.GuestEntry], _ targets: [Target],
                        began: ContinuousClock.Instant) async throws -> RestoreSummary {
        let snaps = try await findSnapshots(name, targets)
        let clock = GuestClock()
        let modes = entries.map { SnapshotPlan.revert($0.state) }
        let reverted = await phase("revert \(plural(targets.count, "guest"))", Array(targets.indices)) { i in
            try await clock.timing(targets[i].guest.name) {
                try await snaps[i].revert(paused: modes[i] != .shutoff)
            }
            progress.detail(String(format: "%@ reverted in %.2f s", targets[i].guest.name, clock.call(targets[i].guest.name) ?? 0))
            clock.paused(targets[i].guest.name)
        }
        // Resume together the guests that ran, even if others failed: they are reverted.
        let toResume = targets.indices.filter { modes[$0] == .pausedThenResume && (try? reverted[$0].get()) != nil }
        var problems = Self.failures(reverted, targets, prefix: "revert")
        problems += await resume(toResume, targets, clock, prefix: "resume")
        guard problems.isEmpty else {
            throw TBError(.libvirt, "restore of snapshot \(name) failed on \(plural(problems.count, "guest")); the other guests are restored:\n"
                          + problems.joined(separator: "\n"))
        }
        let summary = RestoreSummary(
            name: name, hosts: Array(Set(targets.map(\.host.name))).sorted(), seconds: (ContinuousClock.now - began).seconds,
            guests: zip(targets, entries).map { t, e in
                .init(guest: t.guest.name, host: t.host.name, state: e.state, revertSeconds: clock.call(t.guest.name),
                      pausedSeconds: clock.pause(t.guest.name))
            }.sorted { $0.guest < $1.guest })
        report(summary)
        return summary
    }

    /// Every guest must have the snapshot before any is reverted.
    private func findSnapshots(_ name: String, _ targets: [Target]) async throws -> [any SnapshotHandle] {
        let found = await each(Array(targets.indices)) { i in
            guard let s = try await targets[i].domain.snapshot(named: name) else {
                throw TBError(.notFound, "domain \(targets[i].guest.domain) has no snapshot \(name) (deleted outside tbctl, or its disk was recreated)")
            }
            return s
        }
        try Self.throwIfAny(found, targets, "cannot restore snapshot \(name)")
        return try found.map { try $0.get() }
    }

    private func report(_ summary: RestoreSummary) {
        let pauses = summary.paused
        for (g, s) in pauses.sorted(by: { $0.key < $1.key }) { progress.detail(String(format: "%@ was paused %.2f s", g, s)) }
        progress.line(String(format: "snapshot %@ restored: %@ on %@ in %.1f s%@", summary.name, plural(summary.guests.count, "guest"),
                             plural(summary.hosts.count, "host"), summary.seconds,
                             Self.pauseRange(Array(pauses.values), "; running guests waited paused %.2f-%.2f s for the others")))
    }
}
