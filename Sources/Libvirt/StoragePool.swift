import CLibvirt
import Core

/// A libvirt storage pool (tbctl uses one dir pool per project and host).
///
/// `@unchecked Sendable`: the handle is immutable and libvirt objects are thread-safe.
public final class StoragePool: LibvirtObject, @unchecked Sendable {
    let handle: OpaquePointer
    public let connection: LibvirtConnection
    public let name: String
    public let uuid: String

    /// Takes ownership of a virStoragePoolPtr (name and UUID are cached in the object).
    init(taking handle: OpaquePointer, connection: LibvirtConnection) {
        self.handle = handle
        self.connection = connection
        self.name = String(cString: virStoragePoolGetName(handle))
        self.uuid = uuidString { virStoragePoolGetUUIDString(handle, $0) }
    }

    deinit { virStoragePoolFree(handle) }

    var object: String { "storage pool \(name) on \(connection.uri)" }

    /// Builds the pool's backing storage (a dir pool: creates the directory).
    public func build(_ flags: StoragePoolBuildFlags = []) async throws {
        try await run("cannot build storage pool") { virStoragePoolBuild($0, flags.rawValue) }
    }

    /// Starts the pool (libvirt calls this "create").
    public func create() async throws {
        try await run("cannot start storage pool") { virStoragePoolCreate($0, 0) }
    }

    public func isActive() async throws -> Bool {
        try await ask("cannot read storage pool state") { virStoragePoolIsActive($0) }
    }

    public func setAutostart(_ on: Bool) async throws {
        try await run("cannot set autostart") { virStoragePoolSetAutostart($0, on ? 1 : 0) }
    }

    /// Rescans the pool's volumes (after files were added behind libvirt's back).
    public func refresh() async throws {
        try await run("cannot refresh storage pool") { virStoragePoolRefresh($0, 0) }
    }

    /// Stops the pool; its storage and definition stay.
    public func destroy() async throws {
        try await run("cannot stop storage pool") { virStoragePoolDestroy($0) }
    }

    public func undefine() async throws {
        try await run("cannot undefine storage pool") { virStoragePoolUndefine($0) }
    }

    /// Deletes the pool's storage (a dir pool: removes the directory, which must be empty).
    /// The pool must be stopped.
    public func delete(_ flags: StoragePoolDeleteFlags = []) async throws {
        try await run("cannot delete storage pool") { virStoragePoolDelete($0, flags.rawValue) }
    }

    public func xml(inactive: Bool = false) async throws -> String {
        let flags = inactive ? VIR_STORAGE_XML_INACTIVE.rawValue : 0
        return try await fetch("cannot read storage pool XML") { virStoragePoolGetXMLDesc($0, flags) }
    }

    /// The pool's target path (a dir pool's directory).
    public func path() async throws -> String {
        guard let path = try xmlText(try await xml(), "/pool/target/path") else {
            throw TBError(.libvirt, "storage pool has no target path", object: object)
        }
        return path
    }

    public func info() async throws -> StoragePoolInfo {
        try await blocking {
            var info = virStoragePoolInfo()
            try check(virStoragePoolGetInfo(self.handle, &info), "cannot read storage pool", object: self.object)
            return StoragePoolInfo(isRunning: info.state == Int32(VIR_STORAGE_POOL_RUNNING.rawValue),
                                   capacity: info.capacity, allocation: info.allocation, available: info.available)
        }
    }

    public func volumes() async throws -> [StorageVolume] {
        try await blocking {
            var list: UnsafeMutablePointer<OpaquePointer?>?
            let count = try check(virStoragePoolListAllVolumes(self.handle, &list, 0), "cannot list volumes", object: self.object)
            return takeList(list, count: count) { StorageVolume(taking: $0, connection: self.connection) }
        }
    }

    /// The volume called `name` in this pool, or nil when there is none.
    public func volume(named name: String) async throws -> StorageVolume? {
        try await blocking {
            try lookup(virStorageVolLookupByName(self.handle, name), notFound: VIR_ERR_NO_STORAGE_VOL,
                       "cannot look up volume", object: "volume \(name) in \(self.object)")
                .map { StorageVolume(taking: $0, connection: self.connection) }
        }
    }

    /// Creates a volume from volume XML. For a qcow2 overlay see `createOverlay`.
    public func createVolume(xml: String, _ flags: VolumeCreateFlags = []) async throws -> StorageVolume {
        try await blocking {
            let handle = try check(virStorageVolCreateXML(self.handle, xml, flags.rawValue),
                                   "cannot create volume", object: self.object)
            return StorageVolume(taking: handle, connection: self.connection)
        }
    }

    /// Creates a volume as a full copy of `source` (same host; libvirt copies or converts).
    public func createVolume(xml: String, cloning source: StorageVolume, _ flags: VolumeCreateFlags = []) async throws -> StorageVolume {
        try await blocking {
            let handle = try check(virStorageVolCreateXMLFrom(self.handle, xml, source.handle, flags.rawValue),
                                   "cannot clone volume \(source.name)", object: self.object)
            return StorageVolume(taking: handle, connection: self.connection)
        }
    }

    /// Creates a qcow2 linked clone whose backing file is `backingPath` (an image on the same
    /// host, read as `backingFormat`). `capacity` nil keeps the backing image's size; a larger
    /// one grows the disk.
    public func createOverlay(named name: String, backingPath: String, backingFormat: String,
                              capacity: UInt64? = nil) async throws -> StorageVolume {
        try await createVolume(xml: StorageVolume.overlayXML(name: name, capacity: capacity, backingPath: backingPath,
                                                             backingFormat: backingFormat))
    }
}

extension LibvirtConnection {
    /// Defines a persistent pool (not built or started: call `build()` and `create()`).
    public func defineStoragePool(xml: String) async throws -> StoragePool {
        try await blocking {
            let handle = try check(virStoragePoolDefineXML(try self.handle, xml, 0), "cannot define storage pool", object: self.uri)
            return StoragePool(taking: handle, connection: self)
        }
    }

    /// The pool called `name`, or nil when there is none.
    public func storagePool(named name: String) async throws -> StoragePool? {
        try await blocking {
            try lookup(virStoragePoolLookupByName(try self.handle, name), notFound: VIR_ERR_NO_STORAGE_POOL,
                       "cannot look up storage pool", object: "storage pool \(name) on \(self.uri)")
                .map { StoragePool(taking: $0, connection: self) }
        }
    }

    /// Every storage pool, active or not.
    public func allStoragePools() async throws -> [StoragePool] {
        try await blocking {
            var list: UnsafeMutablePointer<OpaquePointer?>?
            let count = try check(virConnectListAllStoragePools(try self.handle, &list, 0), "cannot list storage pools", object: self.uri)
            return takeList(list, count: count) { StoragePool(taking: $0, connection: self) }
        }
    }

    /// The volume at `path` in any active pool, or nil when no pool has it.
    public func storageVolume(path: String) async throws -> StorageVolume? {
        try await blocking {
            try lookup(virStorageVolLookupByPath(try self.handle, path), notFound: VIR_ERR_NO_STORAGE_VOL,
                       "cannot look up volume", object: "volume \(path) on \(self.uri)")
                .map { StorageVolume(taking: $0, connection: self) }
        }
    }
}

public struct StoragePoolInfo: Sendable, Hashable {
    public var isRunning: Bool
    public var capacity: UInt64
    public var allocation: UInt64
    public var available: UInt64
}

public struct StoragePoolBuildFlags: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let overwrite = Self(rawValue: VIR_STORAGE_POOL_BUILD_OVERWRITE.rawValue)
    public static let noOverwrite = Self(rawValue: VIR_STORAGE_POOL_BUILD_NO_OVERWRITE.rawValue)
}

public struct StoragePoolDeleteFlags: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// Overwrite the storage with zeroes first.
    public static let zeroed = Self(rawValue: VIR_STORAGE_POOL_DELETE_ZEROED.rawValue)
}
