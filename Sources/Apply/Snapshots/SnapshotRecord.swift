import Core
import Foundation
import TestbedState
import Workspace

/// `.testbed/snapshots.json`: the snapshots tbctl took of the project's guests. libvirt keeps
/// the snapshots themselves (internal qcow2 snapshots with the guest's memory, one per domain);
/// this file ties the per-domain snapshots of one name together and remembers what libvirt
/// cannot tell: which guests a name covers, on which hosts, and whether each guest was running
/// (a testbed snapshot pauses every running guest first, so libvirt records them all `paused`).
public struct SnapshotRecord: Codable, Sendable, Equatable {
    public var schemaVersion = 1
    /// Oldest first.
    public var snapshots: [Snapshot] = []

    public struct Snapshot: Codable, Sendable, Equatable {
        public enum Kind: String, Codable, Sendable {
            /// Every guest of the testbed, paused together (`snapshot create NAME`).
            case testbed
            /// The guests named with `--guest`.
            case guests
        }
        public var name: String
        public var kind: Kind
        /// ISO 8601, UTC.
        public var createdAt: String
        /// Sorted by guest name.
        public var guests: [GuestEntry]
        /// The hosts of `guests`, sorted (kept in the file for people and scripts reading it).
        public var hosts: [String]

        public init(name: String, kind: Kind, createdAt: String, guests: [GuestEntry]) {
            self.name = name; self.kind = kind; self.createdAt = createdAt
            self.guests = guests.sorted { $0.guest < $1.guest }
            self.hosts = Array(Set(guests.map(\.host))).sorted()
        }

        public func entry(_ guest: String) -> GuestEntry? { guests.first { $0.guest == guest } }

        /// This snapshot without some of its guests (nil when none is left).
        public func removing(_ names: Set<String>) -> Snapshot? {
            let left = guests.filter { !names.contains($0.guest) }
            guard !left.isEmpty else { return nil }
            return Snapshot(name: name, kind: kind, createdAt: createdAt, guests: left)
        }
    }

    public struct GuestEntry: Codable, Sendable, Equatable {
        public var guest: String
        public var host: String
        public var domain: String
        /// What the guest was doing when the snapshot was taken; `restore` brings it back so.
        public var state: GuestState
        public init(guest: String, host: String, domain: String, state: GuestState) {
            self.guest = guest; self.host = host; self.domain = domain; self.state = state
        }
    }

    public enum GuestState: String, Codable, Sendable {
        case running, paused, shutoff
    }

    public init(snapshots: [Snapshot] = []) { self.snapshots = snapshots }

    public func snapshot(named name: String) -> Snapshot? { snapshots.first { $0.name == name } }

    public mutating func add(_ s: Snapshot) {
        snapshots.removeAll { $0.name == s.name }
        snapshots.append(s)
    }

    /// Replaces (or with nil removes) the snapshot called `name`.
    public mutating func set(_ name: String, _ s: Snapshot?) {
        guard let i = snapshots.firstIndex(where: { $0.name == name }) else {
            if let s { snapshots.append(s) }
            return
        }
        if let s { snapshots[i] = s } else { snapshots.remove(at: i) }
    }

    /// Forgets the guests' parts of every snapshot (their disks are gone); snapshots with no
    /// guest left disappear.
    public mutating func forget(guests names: Set<String>) {
        snapshots = snapshots.compactMap { $0.removing(names) }
    }
}

/// Reads and writes `.testbed/snapshots.json`. Changes are read-modify-write under one lock per
/// process (several `up` actions may remove guests at once); across processes the project
/// lock (`.testbed/lock`) already serialises the commands that change it.
public struct SnapshotStore: Sendable {
    public static let file = "snapshots.json"
    private static let mutex = Locked(0)
    public let workspace: Workspace

    public init(_ workspace: Workspace) { self.workspace = workspace }

    public func load() throws -> SnapshotRecord {
        guard let r = try workspace.readJSON(SnapshotRecord.self, Self.file) else { return SnapshotRecord() }
        guard r.schemaVersion == 1 else {
            throw TBError(.unsupported, "\(workspace.path(Self.file)) has schema version \(r.schemaVersion); this tbctl reads version 1")
        }
        return r
    }

    @discardableResult
    public func update(_ change: (inout SnapshotRecord) throws -> Void) throws -> SnapshotRecord {
        try Self.mutex.withLock { _ in
            var r = try load()
            let before = r
            try change(&r)
            if r != before { try workspace.writeJSON(r, Self.file) }
            return r
        }
    }

    /// Drops the guests from every snapshot; a no-op when there is no snapshots.json.
    public func forget(guests: Set<String>) throws {
        guard !guests.isEmpty, FileManager.default.fileExists(atPath: workspace.path(Self.file)) else { return }
        try update { $0.forget(guests: guests) }
    }
}

/// Snapshot names are used as libvirt snapshot names on every guest and in file names of
/// tools that list them: letters, digits, `-`, `_` and `.`, starting with a letter or digit.
public enum SnapshotName {
    public static let maxLength = 64

    public static func problem(_ name: String) -> String? {
        if name.isEmpty { return "a snapshot name cannot be empty" }
        if name.count > maxLength { return "snapshot name \"\(name)\" is longer than \(maxLength) characters" }
        guard name.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0)) }) else {
            return "snapshot name \"\(name)\" may only contain letters, digits, '-', '_' and '.'"
        }
        guard let first = name.unicodeScalars.first, CharacterSet.alphanumerics.contains(first) else {
            return "snapshot name \"\(name)\" must start with a letter or digit"
        }
        return nil
    }

    public static func validate(_ name: String) throws {
        if let p = problem(name) { throw TBError(.invalidInput, p) }
    }
}
