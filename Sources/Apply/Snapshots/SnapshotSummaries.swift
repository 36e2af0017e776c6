/// What `snapshot create` did: printed as one line, and whole as JSON for scripts (the bench
/// reads the timings from it).
public struct CreateSummary: Codable, Sendable, Equatable {
    public struct GuestTiming: Codable, Sendable, Equatable {
        public var guest: String
        public var host: String
        /// What the guest was doing when the snapshot was taken.
        public var state: SnapshotRecord.GuestState
        /// The snapshot call on its host (libvirt writes the disk state and, for a running
        /// guest, its memory).
        public var snapshotSeconds: Double?
        /// How long tbctl held the guest paused while every guest was snapshotted (nil: it did
        /// not run, so it was not paused).
        public var pausedSeconds: Double?
    }

    public var name: String
    public var kind: SnapshotRecord.Snapshot.Kind
    /// ISO 8601, UTC, as recorded in snapshots.json.
    public var createdAt: String
    public var hosts: [String]
    /// The whole command: connecting, pausing, snapshotting, resuming.
    public var seconds: Double
    /// Sorted by guest name.
    public var guests: [GuestTiming]

    /// Seconds each paused guest stood paused, by guest.
    public var paused: [String: Double] {
        Dictionary(guests.compactMap { g in g.pausedSeconds.map { (g.guest, $0) } }, uniquingKeysWith: { a, _ in a })
    }
}

/// What `snapshot restore` did.
public struct RestoreSummary: Codable, Sendable, Equatable {
    public struct GuestTiming: Codable, Sendable, Equatable {
        public var guest: String
        public var host: String
        /// The state it is back in: running, paused or shut off, as at the snapshot.
        public var state: SnapshotRecord.GuestState
        /// The revert call on its host.
        public var revertSeconds: Double?
        /// For a guest that ran: how long it stood reverted but paused, waiting for the others
        /// to be reverted (nil for the others).
        public var pausedSeconds: Double?
    }

    public var name: String
    public var hosts: [String]
    public var seconds: Double
    /// Sorted by guest name.
    public var guests: [GuestTiming]

    public var paused: [String: Double] {
        Dictionary(guests.compactMap { g in g.pausedSeconds.map { (g.guest, $0) } }, uniquingKeysWith: { a, _ in a })
    }
}
