import CLibvirt
import Core

/// A snapshot of one domain.
///
/// `@unchecked Sendable`: the handle is immutable and libvirt objects are thread-safe.
public final class DomainSnapshot: LibvirtObject, @unchecked Sendable {
    let handle: OpaquePointer
    public let domain: Domain
    public let name: String

    /// Takes ownership of a virDomainSnapshotPtr (the name is cached in the object).
    init(taking handle: OpaquePointer, domain: Domain) {
        self.handle = handle
        self.domain = domain
        self.name = String(cString: virDomainSnapshotGetName(handle))
    }

    deinit { virDomainSnapshotFree(handle) }

    var object: String { "snapshot \(name) of \(domain.object)" }

    public func xml(secure: Bool = false) async throws -> String {
        let flags = secure ? VIR_DOMAIN_SNAPSHOT_XML_SECURE.rawValue : 0
        return try await fetch("cannot read snapshot XML") { virDomainSnapshotGetXMLDesc($0, flags) }
    }

    /// Restores the domain to this snapshot. A snapshot taken while paused restores paused
    /// unless `.running` is given.
    public func revert(_ flags: SnapshotRevertFlags = []) async throws {
        try await run("cannot revert to snapshot") { virDomainRevertToSnapshot($0, flags.rawValue) }
    }

    public func delete(_ flags: SnapshotDeleteFlags = []) async throws {
        try await run("cannot delete snapshot") { virDomainSnapshotDelete($0, flags.rawValue) }
    }

    /// Whether this is the domain's current snapshot (the one the next snapshot descends from).
    public func isCurrent() async throws -> Bool {
        try await ask("cannot read snapshot") { virDomainSnapshotIsCurrent($0, 0) }
    }

    public func hasMetadata() async throws -> Bool {
        try await ask("cannot read snapshot") { virDomainSnapshotHasMetadata($0, 0) }
    }
}

extension Domain {
    /// Takes a snapshot described by `xml` (`<domainsnapshot><name>…</name></domainsnapshot>`).
    /// With no flags, QEMU takes an internal snapshot (with memory when the domain runs).
    public func createSnapshot(xml: String, _ flags: SnapshotCreateFlags = []) async throws -> DomainSnapshot {
        try await blocking {
            let handle = try check(virDomainSnapshotCreateXML(self.handle, xml, flags.rawValue),
                                   "cannot create snapshot", object: self.object)
            return DomainSnapshot(taking: handle, domain: self)
        }
    }

    /// Every snapshot of the domain.
    public func snapshots() async throws -> [DomainSnapshot] {
        try await blocking {
            var list: UnsafeMutablePointer<OpaquePointer?>?
            let count = try check(virDomainListAllSnapshots(self.handle, &list, 0), "cannot list snapshots", object: self.object)
            return takeList(list, count: count) { DomainSnapshot(taking: $0, domain: self) }
        }
    }

    /// The snapshot called `name`, or nil when there is none.
    public func snapshot(named name: String) async throws -> DomainSnapshot? {
        try await blocking {
            try lookup(virDomainSnapshotLookupByName(self.handle, name, 0), notFound: VIR_ERR_NO_DOMAIN_SNAPSHOT,
                       "cannot look up snapshot", object: "snapshot \(name) of \(self.object)")
                .map { DomainSnapshot(taking: $0, domain: self) }
        }
    }

    /// The current snapshot, or nil when the domain has none.
    public func currentSnapshot() async throws -> DomainSnapshot? {
        try await blocking {
            try lookup(virDomainSnapshotCurrent(self.handle, 0), notFound: VIR_ERR_NO_DOMAIN_SNAPSHOT,
                       "cannot read current snapshot", object: self.object)
                .map { DomainSnapshot(taking: $0, domain: self) }
        }
    }
}

public struct SnapshotCreateFlags: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// Restore metadata of a snapshot that exists on disk (the XML is a full snapshot XML).
    public static let redefine = Self(rawValue: VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE.rawValue)
    public static let current = Self(rawValue: VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT.rawValue)
    public static let noMetadata = Self(rawValue: VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA.rawValue)
    /// Stop the domain after the snapshot.
    public static let halt = Self(rawValue: VIR_DOMAIN_SNAPSHOT_CREATE_HALT.rawValue)
    /// External disk snapshot only (no memory).
    public static let diskOnly = Self(rawValue: VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY.rawValue)
    public static let reuseExternal = Self(rawValue: VIR_DOMAIN_SNAPSHOT_CREATE_REUSE_EXT.rawValue)
    public static let quiesce = Self(rawValue: VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE.rawValue)
    public static let atomic = Self(rawValue: VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC.rawValue)
    /// Keep the guest running while its memory is saved (external snapshots).
    public static let live = Self(rawValue: VIR_DOMAIN_SNAPSHOT_CREATE_LIVE.rawValue)
    public static let validate = Self(rawValue: VIR_DOMAIN_SNAPSHOT_CREATE_VALIDATE.rawValue)
}

public struct SnapshotRevertFlags: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// Run the domain after reverting, whatever state the snapshot recorded.
    public static let running = Self(rawValue: VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING.rawValue)
    /// Leave the domain paused after reverting.
    public static let paused = Self(rawValue: VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED.rawValue)
    /// Allow reverts libvirt considers risky (e.g. across incompatible configurations).
    public static let force = Self(rawValue: VIR_DOMAIN_SNAPSHOT_REVERT_FORCE.rawValue)
}

public struct SnapshotDeleteFlags: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// Also delete the snapshot's descendants.
    public static let children = Self(rawValue: VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN.rawValue)
    /// Forget the snapshot but leave its data in the images.
    public static let metadataOnly = Self(rawValue: VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY.rawValue)
    /// Delete the descendants but keep this snapshot.
    public static let childrenOnly = Self(rawValue: VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY.rawValue)
}
