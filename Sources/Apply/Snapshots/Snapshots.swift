import Core
import Foundation
import Hosts
import TestbedState
import Workspace

/// `tbctl snapshot create|restore|list|delete`: libvirt internal snapshots (disk and memory in
/// each guest's qcow2 overlay), taken on the host of each guest through its HostConnection, so
/// remote hosts work as the master does. A testbed snapshot pauses every running guest, takes
/// every snapshot, then resumes them all: the guests' clocks and network state line up.
public struct Snapshots: Sendable {
    public let state: TestbedState
    public let workspace: Workspace
    public let progress: Progress
    public let connector: any HostConnector
    /// Guests handled at once per phase (pause, snapshot, resume, revert).
    public var width = 64

    public init(state: TestbedState, workspace: Workspace, progress: Progress, connector: any HostConnector) {
        self.state = state; self.workspace = workspace; self.progress = progress; self.connector = connector
    }

    var store: SnapshotStore { SnapshotStore(workspace) }

    // MARK: - create

    public struct CreateSummary: Sendable {
        public var name: String
        public var kind: SnapshotRecord.Snapshot.Kind
        public var guests: Int
        public var hosts: Int
        public var seconds: Double
        /// Seconds each running guest spent paused, by guest.
        public var paused: [String: Double]
    }

    /// Takes snapshot `name` of every guest (a testbed snapshot) or of the guests in `only`.
    /// All or nothing: when any guest fails, the snapshots already taken under that name are
    /// deleted and one error names each failed guest, its host and libvirt's message. Guests
    /// tbctl paused are resumed in every case.
    public func create(_ name: String, guests only: [String] = []) async throws -> CreateSummary {
        try SnapshotName.validate(name)
        let lock = try ProjectLock(path: workspace.path("lock"), command: "snapshot create \(name)")
        defer { withExtendedLifetime(lock) {} }
        if let s = try store.load().snapshot(named: name) {
            throw TBError(.conflict, "there is already a snapshot called \(name) (\(s.kind.rawValue), \(s.createdAt), \(s.guests.count) guest\(s.guests.count == 1 ? "" : "s")); choose another name or run `tbctl snapshot delete \(name)` first")
        }
        let (kind, guests) = try SnapshotPlan.guestsToSnapshot(state, only: only)
        let began = Date()
        let hostNames = Set(guests.map(\.host))
        progress.stage("snapshot \(name): \(plural(guests.count, "guest")) on \(plural(hostNames.count, "host"))\(kind == .testbed ? " (the whole testbed)" : "")")
        return try await withHosts(hostNames) { hosts in
            let targets = try await resolve(guests, hosts)
            let createdAt = ISO8601DateFormatter().string(from: Date())
            var runs = targets.map { SnapshotPlan.Run(guest: $0.guest.name, host: $0.host.name, state: $0.state) }
            let clock = PauseClock()

            // 1. Pause every running guest, all at once.
            let running = targets.indices.filter { targets[$0].state == .running }
            if !running.isEmpty {
                let paused = await phase("pause \(plural(running.count, "running guest"))", running) { i in
                    try await targets[i].domain.suspend()
                    clock.paused(targets[i].guest.name)
                }
                for (i, r) in zip(running, paused) {
                    if case .failure(let e) = r { runs[i].pauseError = .init(e) } else { runs[i].pausedByUs = true }
                }
            }

            // 2. Snapshot every guest, all at once, unless a pause failed or Ctrl-C came.
            if !runs.contains(where: { $0.pauseError != nil }) && !Task.isCancelled {
                let taken = await phase("snapshot \(plural(targets.count, "guest"))", Array(targets.indices)) { i in
                    let t0 = Date()
                    _ = try await targets[i].domain.createSnapshot(name: name, description: Self.snapshotDescription(kind))
                    progress.detail(String(format: "%@ snapshotted in %.2f s", targets[i].guest.name, Date().timeIntervalSince(t0)))
                }
                for (i, r) in taken.enumerated() {
                    if case .failure(let e) = r { runs[i].snapshotError = .init(e) } else { runs[i].snapshotTaken = true }
                }
            }

            // 3. Resume every guest tbctl paused, whatever happened above.
            let interrupted = Task.isCancelled
            let decision = SnapshotPlan.decide(runs, interrupted: interrupted)
            let toResume = targets.indices.filter { decision.resume.contains(targets[$0].guest.name) }
            var resumeErrors: [String] = []
            if !toResume.isEmpty {
                let resumed = await phase("resume \(plural(toResume.count, "guest"))", toResume) { i in
                    try await targets[i].domain.resume()
                    clock.resumed(targets[i].guest.name)
                }
                for (i, r) in zip(toResume, resumed) {
                    if case .failure(let e) = r {
                        resumeErrors.append("- guest \(targets[i].guest.name) on host \(targets[i].host.name): \(indent(e.asTBError(.libvirt).description))")
                    }
                }
            }

            // 4. All or nothing.
            guard decision.keep else {
                var rollbackErrors: [String: String] = [:]
                let undo = targets.indices.filter { decision.delete.contains(targets[$0].guest.name) }
                if !undo.isEmpty {
                    let deleted = await phase("roll back: delete \(name) from \(plural(undo.count, "guest"))", undo) { i in
                        guard let s = try await targets[i].domain.snapshot(named: name) else { return }
                        try await s.delete(metadataOnly: false)
                    }
                    for (i, r) in zip(undo, deleted) {
                        if case .failure(let e) = r { rollbackErrors[targets[i].guest.name] = e.asTBError(.libvirt).description }
                    }
                }
                var error = SnapshotPlan.failure(name, runs: runs, interrupted: interrupted, rollbackErrors: rollbackErrors)
                if !resumeErrors.isEmpty {
                    error.message += "\nbut these guests could not be resumed (`tbctl up` resumes them):\n" + resumeErrors.joined(separator: "\n")
                }
                throw error
            }

            let entries = targets.map { SnapshotRecord.GuestEntry(guest: $0.guest.name, host: $0.host.name, domain: $0.guest.domain, state: $0.state) }
            try store.update { $0.add(.init(name: name, kind: kind, createdAt: createdAt, guests: entries)) }
            let pauses = clock.durations
            for (g, s) in pauses.sorted(by: { $0.key < $1.key }) { progress.detail(String(format: "%@ was paused %.2f s", g, s)) }
            let summary = CreateSummary(name: name, kind: kind, guests: targets.count, hosts: hostNames.count,
                                        seconds: Date().timeIntervalSince(began), paused: pauses)
            progress.line(String(format: "snapshot %@ taken: %@ on %@ in %.1f s%@", name, plural(summary.guests, "guest"),
                                 plural(summary.hosts, "host"), summary.seconds, Self.pauseSummary(pauses)))
            guard resumeErrors.isEmpty else {
                throw TBError(.libvirt, "snapshot \(name) was taken, but these guests could not be resumed (`tbctl up` resumes them):\n" + resumeErrors.joined(separator: "\n"))
            }
            return summary
        }
    }

    static func snapshotDescription(_ kind: SnapshotRecord.Snapshot.Kind) -> String {
        "tbctl \(kind == .testbed ? "testbed" : "guest") snapshot"
    }

    static func pauseSummary(_ pauses: [String: Double], _ format: String = "; running guests were paused %.2f-%.2f s") -> String {
        guard let lo = pauses.values.min(), let hi = pauses.values.max() else { return "" }
        return String(format: format, lo, hi)
    }

    // MARK: - restore

    public struct RestoreSummary: Sendable {
        public var name: String
        public var guests: Int
        public var seconds: Double
        /// Seconds each running guest spent reverted-but-paused, waiting for the others.
        public var paused: [String: Double]
    }

    /// Brings every guest of snapshot `name` (or those in `only`) back to it, on all hosts
    /// concurrently. Guests that ran at the snapshot are reverted paused and resumed together
    /// once every guest is reverted; the others come back paused or shut off as they were.
    public func restore(_ name: String, guests only: [String] = []) async throws -> RestoreSummary {
        let lock = try ProjectLock(path: workspace.path("lock"), command: "snapshot restore \(name)")
        defer { withExtendedLifetime(lock) {} }
        let snapshot = try recorded(name)
        let entries = try SnapshotPlan.entries(of: snapshot, only: only)
        try SnapshotPlan.checkStillThere(entries, snapshot: name, state: state)
        let began = Date()
        let hostNames = Set(entries.map(\.host))
        progress.stage("restore \(name): \(plural(entries.count, "guest")) on \(plural(hostNames.count, "host"))")
        if only.isEmpty {
            let outside = state.userGuests.map(\.name).filter { snapshot.entry($0) == nil }
            if !outside.isEmpty { progress.line("not in snapshot \(name), left as they are: \(outside.joined(separator: ", "))") }
        }
        return try await withHosts(hostNames) { hosts in
            let guests = entries.map { state.guest(named: $0.guest)! }
            let targets = try await resolve(guests, hosts)
            // Every guest must have the snapshot before any is reverted.
            let found = await each(Array(targets.indices)) { i in
                guard let s = try await targets[i].domain.snapshot(named: name) else {
                    throw TBError(.notFound, "domain \(targets[i].guest.domain) has no snapshot \(name) (deleted outside tbctl, or its disk was recreated)")
                }
                return s
            }
            try Self.throwIfAny(found, targets, "cannot restore snapshot \(name)")
            let snaps = found.map { try! $0.get() }
            let clock = PauseClock()
            let modes = entries.map { SnapshotPlan.revert($0.state) }

            let reverted = await phase("revert \(plural(targets.count, "guest"))", Array(targets.indices)) { i in
                let t0 = Date()
                switch modes[i] {
                case .pausedThenResume, .paused: try await snaps[i].revert(paused: true)
                case .shutoff: try await snaps[i].revert(paused: false)
                }
                progress.detail(String(format: "%@ reverted in %.2f s", targets[i].guest.name, Date().timeIntervalSince(t0)))
                clock.paused(targets[i].guest.name)
            }
            // Resume together the guests that ran, even if others failed: they are reverted.
            let toResume = targets.indices.filter { modes[$0] == .pausedThenResume && (try? reverted[$0].get()) != nil }
            var resumed: [Result<Void, any Error>] = []
            if !toResume.isEmpty {
                resumed = await phase("resume \(plural(toResume.count, "guest"))", toResume) { i in
                    try await targets[i].domain.resume()
                    clock.resumed(targets[i].guest.name)
                }
            }
            var problems = Self.failures(reverted, targets, prefix: "revert")
            problems += Self.failures(resumed, toResume.map { targets[$0] }, prefix: "resume")
            guard problems.isEmpty else {
                throw TBError(.libvirt, "restore of snapshot \(name) failed on \(plural(problems.count, "guest")); the other guests are restored:\n" + problems.joined(separator: "\n"))
            }
            let pauses = clock.durations
            for (g, s) in pauses.sorted(by: { $0.key < $1.key }) { progress.detail(String(format: "%@ was paused %.2f s", g, s)) }
            let summary = RestoreSummary(name: name, guests: targets.count, seconds: Date().timeIntervalSince(began), paused: pauses)
            progress.line(String(format: "snapshot %@ restored: %@ on %@ in %.1f s%@", name, plural(summary.guests, "guest"),
                                 plural(hostNames.count, "host"), summary.seconds,
                                 Self.pauseSummary(pauses, "; running guests waited paused %.2f-%.2f s for the others")))
            return summary
        }
    }

    // MARK: - delete

    /// Deletes snapshot `name` from every guest that has it (or from those in `only`). Guests
    /// whose domain or snapshot is already gone are just forgotten.
    public func delete(_ name: String, guests only: [String] = []) async throws {
        let lock = try ProjectLock(path: workspace.path("lock"), command: "snapshot delete \(name)")
        defer { withExtendedLifetime(lock) {} }
        let snapshot = try recorded(name)
        let entries = try SnapshotPlan.entries(of: snapshot, only: only)
        // A guest gone from the testbed (or moved) took its disk and its snapshot along.
        let live = entries.filter { e in state.guest(named: e.guest).map { $0.host == e.host && $0.domain == e.domain } ?? false }
        var forget = Set(entries.map(\.guest)).subtracting(live.map(\.guest))
        progress.stage("delete snapshot \(name) from \(plural(entries.count, "guest"))")
        var problems: [String] = []
        if !live.isEmpty {
            let results = try await withHosts(Set(live.map(\.host))) { hosts in
                await phase("delete \(name) from \(plural(live.count, "guest"))", Array(live.indices)) { i in
                    let e = live[i]
                    guard let dom = try await hosts[e.host]!.libvirt.domain(named: e.domain),
                          let s = try await dom.snapshot(named: name) else { return }
                    try await s.delete(metadataOnly: false)
                }
            }
            for (e, r) in zip(live, results) {
                if case .failure(let err) = r {
                    problems.append("- guest \(e.guest) on host \(e.host): \(indent(err.asTBError(.libvirt).description))")
                } else {
                    forget.insert(e.guest)
                }
            }
        }
        try store.update { r in r.set(name, r.snapshot(named: name)?.removing(forget)) }
        guard problems.isEmpty else {
            throw TBError(.libvirt, "snapshot \(name) could not be deleted from \(plural(problems.count, "guest")) (it stays listed for them):\n" + problems.joined(separator: "\n"))
        }
        let rest = try store.load().snapshot(named: name)
        progress.line("snapshot \(name) deleted from \(plural(forget.count, "guest"))\(rest.map { "; \($0.guests.count) keep it" } ?? "")")
    }

    // MARK: - list

    public struct Listing: Codable, Sendable {
        public struct GuestInfo: Codable, Sendable {
            public var guest: String
            public var host: String
            public var domain: String
            public var state: SnapshotRecord.GuestState
            /// Whether the guest's disk has the snapshot (nil: not known, host unreachable).
            public var present: Bool?
            /// Bytes of the saved memory state (0 for a shut-off guest; nil: not known).
            public var sizeBytes: Int64?
        }
        public var name: String
        public var kind: SnapshotRecord.Snapshot.Kind
        public var createdAt: String
        public var guests: [GuestInfo]
        public var hosts: [String]
        /// Sum of the guests' saved memory states, when every one is known. Disk blocks are
        /// shared between the snapshot and the running disk in the qcow2 file: not counted.
        public var sizeBytes: Int64?
    }

    /// The recorded snapshots (those that include `guest`, if given), oldest first, with what
    /// each guest's disk says about them (present, size of the saved memory) where the host
    /// answers. Reads only; takes no lock.
    public func list(guest: String? = nil) async throws -> [Listing] {
        let record = try store.load()
        if let guest, state.guest(named: guest) == nil, !record.snapshots.contains(where: { $0.entry(guest) != nil }) {
            throw TBError(.notFound, "there is no guest \(guest) in the testbed" + SnapshotPlan.known(state.userGuests.map(\.name)))
        }
        let shown = record.snapshots.filter { s in guest.map { s.entry($0) != nil } ?? true }
        // One `qemu-img info` per disk (it lists every internal snapshot with its memory size).
        let disks = Set(shown.flatMap { s in s.guests.filter { e in state.guest(named: e.guest)?.host == e.host }.map(\.guest) })
        var facts: [String: [String: Int64]] = [:]
        if !disks.isEmpty {
            let hostNames = Set(disks.compactMap { state.guest(named: $0)?.host })
            let hosts = await HostSet.connect(state, via: connector, only: hostNames)
            let names = Array(disks).sorted()
            let results = await each(names) { g -> [String: Int64]? in
                let guest = state.guest(named: g)!
                guard let host = hosts[guest.host] else { return nil }
                return try await Self.internalSnapshots(of: host.spec.poolPath + "/" + guest.disk.volume, on: host)
            }
            await hosts.closeAll()
            for (g, r) in zip(names, results) { if case .success(let f?) = r { facts[g] = f } }
        }
        return shown.map { s in
            let infos = s.guests.map { e -> Listing.GuestInfo in
                let f = facts[e.guest]
                return .init(guest: e.guest, host: e.host, domain: e.domain, state: e.state,
                             present: f.map { $0[s.name] != nil }, sizeBytes: f?[s.name])
            }
            let sizes = infos.compactMap(\.sizeBytes)
            return Listing(name: s.name, kind: s.kind, createdAt: s.createdAt, guests: infos, hosts: s.hosts,
                           sizeBytes: sizes.count == infos.count ? sizes.reduce(0, +) : nil)
        }
    }

    /// Internal snapshots of a qcow2 file and the size of each one's saved memory, by name.
    /// `-U` reads the file while the guest runs (metadata only, nothing is written).
    static func internalSnapshots(of path: String, on host: any HostConnection) async throws -> [String: Int64] {
        let json = try await host.runner.check(["qemu-img", "info", "-U", "--output=json", path])
        return try parseQemuImgInfo(json)
    }

    public static func parseQemuImgInfo(_ json: String) throws -> [String: Int64] {
        struct Info: Decodable {
            struct Snap: Decodable {
                var name: String
                var size: Int64?
                enum CodingKeys: String, CodingKey { case name, size = "vm-state-size" }
            }
            var snapshots: [Snap]?
        }
        let info = try JSONDecoder().decode(Info.self, from: Data(json.utf8))
        return Dictionary((info.snapshots ?? []).map { ($0.name, $0.size ?? 0) }, uniquingKeysWith: { a, _ in a })
    }

    // MARK: - shared

    func recorded(_ name: String) throws -> SnapshotRecord.Snapshot {
        let record = try store.load()
        guard let s = record.snapshot(named: name) else {
            let names = record.snapshots.map(\.name)
            throw TBError(.notFound, "there is no snapshot \(name) in project \(state.project)"
                          + (names.isEmpty ? " (it has none)" : " (it has: \(names.joined(separator: ", ")))"))
        }
        return s
    }

    /// A guest, its host connection, its domain and what it is doing now.
    struct Target: Sendable {
        let guest: TestbedState.Guest
        let host: any HostConnection
        let domain: any DomainHandle
        let state: SnapshotRecord.GuestState
    }

    /// Finds each guest's domain on its host. Every guest must exist: one error lists all that do not.
    /// The domains of a host are looked up over several connections to it (`widen(for:)`), so
    /// that ten snapshots run together, not five and five.
    func resolve(_ guests: [TestbedState.Guest], _ hosts: HostSet) async throws -> [Target] {
        await hosts.widen(for: guests.map(\.host), "guests", progress: progress)
        let found = await each(guests) { g -> Target in
            guard let host = hosts[g.host] else { throw TBError(.internalError, "host \(g.host) is not connected") }
            guard let dom = try await host.lane().domain(named: g.domain) else {
                throw TBError(.notFound, "domain \(g.domain) does not exist (run `tbctl up` first)")
            }
            return Target(guest: g, host: host, domain: dom, state: Self.guestState(try await dom.state()))
        }
        let problems = zip(guests, found).compactMap { g, r -> String? in
            guard case .failure(let e) = r else { return nil }
            return "- guest \(g.name) on host \(g.host): \(indent(e.asTBError(.libvirt).description))"
        }
        guard problems.isEmpty else { throw TBError(.notFound, "nothing was changed:\n" + problems.joined(separator: "\n")) }
        return found.map { try! $0.get() }
    }

    static func guestState(_ s: DomainState) -> SnapshotRecord.GuestState {
        switch s {
        case .running, .blocked, .shutdown: .running
        case .paused, .pmsuspended: .paused
        case .shutoff, .crashed, .nostate: .shutoff
        }
    }

    /// Connects to the hosts, runs `body`, closes the connections. Every host must answer: a
    /// snapshot that leaves out an unreachable host's guests would not be the testbed's.
    func withHosts<T: Sendable>(_ names: Set<String>, _ body: (HostSet) async throws -> T) async throws -> T {
        let hosts = await HostSet.connect(state, via: connector, only: names)
        guard hosts.failures.isEmpty else {
            await hosts.closeAll()
            throw TBError(.libvirt, "nothing was changed: \(plural(hosts.failures.count, "host")) cannot be reached:\n"
                          + hosts.failures.sorted { $0.key < $1.key }.map { "- " + indent($0.value.description) }.joined(separator: "\n"))
        }
        do {
            let r = try await body(hosts)
            await hosts.closeAll()
            return r
        } catch {
            await hosts.closeAll()
            throw error
        }
    }

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

    static func failures<R>(_ results: [Result<R, any Error>], _ targets: [Target], prefix: String?) -> [String] {
        zip(targets, results).compactMap { t, r in
            guard case .failure(let e) = r else { return nil }
            return "- guest \(t.guest.name) on host \(t.host.name): \(prefix.map { "\($0): " } ?? "")\(indent(e.asTBError(.libvirt).description))"
        }
    }
}

private struct PhaseFailed: Error {}

/// When each guest was paused and resumed (its pause window, for the summary and the bench).
final class PauseClock: Sendable {
    private let marks = Locked([String: (paused: Date, resumed: Date?)]())

    func paused(_ guest: String) { marks.withLock { $0[guest] = (Date(), nil) } }
    func resumed(_ guest: String) { marks.withLock { $0[guest]?.resumed = Date() } }

    var durations: [String: Double] {
        marks.withLock { m in m.compactMapValues { v in v.resumed.map { $0.timeIntervalSince(v.paused) } } }
    }
}

/// Continuation lines of a nested message, indented under its `- ` bullet.
func indent(_ s: String) -> String { s.replacingOccurrences(of: "\n", with: "\n  ") }
