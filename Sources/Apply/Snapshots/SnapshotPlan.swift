import Core
import Foundation
import TestbedState

/// The decisions of the snapshot commands that need no host: which guests a command covers,
/// what to do after a partly failed snapshot, how to bring each guest back. Kept pure so they
/// can be tested without libvirt.
public enum SnapshotPlan {
    public typealias Kind = SnapshotRecord.Snapshot.Kind
    public typealias Entry = SnapshotRecord.GuestEntry

    // MARK: - which guests

    /// `snapshot create`: every guest of the testbed (a testbed snapshot), or the guests named
    /// with `--guest`. Golden image builders are never snapshotted: their disk is the golden
    /// image that backs the clones, and an internal snapshot would write into it.
    public static func guestsToSnapshot(_ state: TestbedState, only: [String]) throws -> (Kind, [TestbedState.Guest]) {
        guard !only.isEmpty else {
            let guests = state.userGuests
            guard !guests.isEmpty else { throw TBError(.notFound, "the testbed has no guests to snapshot") }
            return (.testbed, guests)
        }
        var problems: [String] = []
        var out: [TestbedState.Guest] = []
        for name in unique(only) {
            guard let g = state.guest(named: name) else {
                problems.append("there is no guest \(name) in the testbed" + known(state.userGuests.map(\.name)))
                continue
            }
            guard g.role.kind != .golden else {
                problems.append("\(name) builds the golden image of service \(g.role.service ?? "?"): that image backs the clones and is never snapshotted (snapshot the clones)")
                continue
            }
            out.append(g)
        }
        if !problems.isEmpty { throw TBError(.invalidInput, problems.joined(separator: "\n")) }
        return (.guests, out)
    }

    /// `restore`/`delete`: the snapshot's guests, or those of them named with `--guest`.
    public static func entries(of s: SnapshotRecord.Snapshot, only: [String]) throws -> [Entry] {
        guard !only.isEmpty else { return s.guests }
        let missing = unique(only).filter { s.entry($0) == nil }
        guard missing.isEmpty else {
            throw TBError(.notFound, "snapshot \(s.name) does not include \(list(missing, "guest")); it has \(s.guests.map(\.guest).joined(separator: ", "))")
        }
        let wanted = Set(only)
        return s.guests.filter { wanted.contains($0.guest) }
    }

    /// `restore`: each guest must still be the one the snapshot was taken of: in the testbed,
    /// on the same host, with the same domain. A guest removed since (scale down, rename) took
    /// its disk, and with it its snapshots.
    public static func checkStillThere(_ entries: [Entry], snapshot: String, state: TestbedState) throws {
        var problems: [String] = []
        for e in entries {
            guard let g = state.guest(named: e.guest) else {
                problems.append("guest \(e.guest) (host \(e.host)) no longer exists in the testbed: its disk, and its snapshot \(snapshot), went with it")
                continue
            }
            if g.host != e.host {
                problems.append("guest \(e.guest) was on host \(e.host) at snapshot \(snapshot) and is placed on host \(g.host) now: the snapshot stayed with the old disk")
            } else if g.domain != e.domain {
                problems.append("guest \(e.guest) is domain \(g.domain) now, not \(e.domain) as at snapshot \(snapshot)")
            }
        }
        guard problems.isEmpty else {
            let others = entries.count > problems.count ? "\n(restore the other guests with --guest)" : ""
            throw TBError(.notFound, "cannot restore snapshot \(snapshot):\n" + problems.map { "- " + $0 }.joined(separator: "\n") + others)
        }
    }

    // MARK: - after a testbed snapshot

    /// What happened to one guest while a snapshot was taken.
    public struct Run: Sendable, Equatable {
        public var guest: String
        public var host: String
        public var state: SnapshotRecord.GuestState
        /// tbctl paused it (it was running) and must resume it, whatever else happens.
        public var pausedByUs = false
        public var pauseError: TBError.Described?
        public var snapshotTaken = false
        public var snapshotError: TBError.Described?
        public init(guest: String, host: String, state: SnapshotRecord.GuestState) {
            self.guest = guest; self.host = host; self.state = state
        }
        var failed: Bool { pauseError != nil || snapshotError != nil }
    }

    public struct Decision: Sendable, Equatable {
        /// Keep and record the snapshot.
        public var keep: Bool
        /// Guests whose snapshot of this name must be deleted again (a half-taken snapshot).
        public var delete: [String]
        /// Guests to resume: every guest tbctl paused, success or not.
        public var resume: [String]
        public init(keep: Bool, delete: [String], resume: [String]) {
            self.keep = keep; self.delete = delete; self.resume = resume
        }
    }

    /// A snapshot is kept only when every guest has it and nothing interrupted the command;
    /// otherwise the guests that have it lose it again, so no name is ever left half-taken.
    /// Every guest tbctl paused is resumed in both cases.
    public static func decide(_ runs: [Run], interrupted: Bool) -> Decision {
        let keep = !interrupted && runs.allSatisfy { !$0.failed && $0.snapshotTaken }
        return Decision(keep: keep,
                        delete: keep ? [] : runs.filter(\.snapshotTaken).map(\.guest),
                        resume: runs.filter(\.pausedByUs).map(\.guest))
    }

    /// The one error of a failed snapshot: every failed guest with its host and libvirt's
    /// message, and what was undone.
    public static func failure(_ name: String, runs: [Run], interrupted: Bool, rollbackErrors: [String: String]) -> TBError {
        let failed = runs.filter(\.failed)
        var lines = failed.map { r -> String in
            let e = r.pauseError ?? r.snapshotError!
            return "- guest \(r.guest) on host \(r.host): \(indent(e.text))"
        }
        if interrupted { lines.append("- interrupted") }
        let undone = runs.filter(\.snapshotTaken).map(\.guest)
        let kept = undone.filter { rollbackErrors[$0] != nil }
        var tail = undone.isEmpty ? "no guest has it" : "the snapshots already taken were deleted (\(undone.filter { rollbackErrors[$0] == nil }.joined(separator: ", ")))"
        if !kept.isEmpty {
            tail = "deleting the snapshots already taken failed on \(kept.joined(separator: ", ")): `tbctl snapshot delete \(name)` cannot see them; remove them with virsh snapshot-delete"
            for g in kept { lines.append("- rollback on guest \(g): \(indent(rollbackErrors[g]!))") }
        }
        let what = failed.isEmpty ? "was interrupted" : "failed on \(failed.count) of \(plural(runs.count, "guest"))"
        return TBError(.libvirt, "snapshot \(name) \(what); it was not kept: \(tail); every paused guest was resumed:\n"
                       + lines.joined(separator: "\n"))
    }

    // MARK: - restore

    /// How a guest is reverted: guests that ran come back paused and are resumed together once
    /// every guest is reverted (their clocks and network state line up again); paused guests
    /// stay paused; shut-off guests stay shut off.
    public enum Revert: Sendable, Equatable { case pausedThenResume, paused, shutoff }

    public static func revert(_ state: SnapshotRecord.GuestState) -> Revert {
        switch state {
        case .running: .pausedThenResume
        case .paused: .paused
        case .shutoff: .shutoff
        }
    }

    // MARK: - helpers

    static func unique(_ names: [String]) -> [String] {
        var seen = Set<String>()
        return names.filter { seen.insert($0).inserted }
    }

    static func known(_ names: [String]) -> String {
        names.isEmpty ? "" : " (guests: \(names.joined(separator: ", ")))"
    }

    static func list(_ names: [String], _ noun: String) -> String {
        "\(pluralNoun(names.count, noun)) \(names.joined(separator: ", "))"
    }
}

extension TBError {
    /// An error reduced to its text, comparable in tests.
    public struct Described: Sendable, Equatable {
        public var text: String
        public init(_ text: String) { self.text = text }
        public init(_ e: any Error) { self.text = e.asTBError(.libvirt, "failed").description }
    }
}
