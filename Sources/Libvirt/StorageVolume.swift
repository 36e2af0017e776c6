import CLibvirt
import Core

/// A volume in a storage pool (a golden image, a linked clone, a seed ISO).
///
/// `@unchecked Sendable`: the handle is immutable and libvirt objects are thread-safe.
public final class StorageVolume: LibvirtObject, @unchecked Sendable {
    let handle: OpaquePointer
    public let connection: LibvirtConnection
    public let name: String
    /// libvirt's unique key for the volume (for a dir pool: its path).
    public let key: String

    /// Takes ownership of a virStorageVolPtr (name and key are cached in the object).
    init(taking handle: OpaquePointer, connection: LibvirtConnection) {
        self.handle = handle
        self.connection = connection
        self.name = String(cString: virStorageVolGetName(handle))
        self.key = String(cString: virStorageVolGetKey(handle))
    }

    deinit { virStorageVolFree(handle) }

    var object: String { "volume \(name) on \(connection.uri)" }

    /// The volume's path on its host.
    public func path() async throws -> String {
        try await fetch("cannot read volume path") { virStorageVolGetPath($0) }
    }

    public func info() async throws -> VolumeInfo {
        try await blocking {
            var info = virStorageVolInfo()
            try check(virStorageVolGetInfo(self.handle, &info), "cannot read volume", object: self.object)
            return VolumeInfo(type: VolumeType(info.type), capacity: info.capacity, allocation: info.allocation)
        }
    }

    public func xml() async throws -> String {
        try await fetch("cannot read volume XML") { virStorageVolGetXMLDesc($0, 0) }
    }

    /// The path of the backing image libvirt reports for an overlay, nil for a standalone volume.
    public func backingStorePath() async throws -> String? {
        try xmlText(try await xml(), "/volume/backingStore/path")
    }

    public func delete(_ flags: VolumeDeleteFlags = []) async throws {
        try await run("cannot delete volume") { virStorageVolDelete($0, flags.rawValue) }
    }

    /// Sets the volume's capacity (in bytes unless `.delta`); shrinking needs `.shrink`.
    public func resize(to capacity: UInt64, _ flags: VolumeResizeFlags = []) async throws {
        try await run("cannot resize volume") { virStorageVolResize($0, capacity, flags.rawValue) }
    }

    /// Volume XML for a qcow2 linked clone (overlay) of `backingPath`.
    ///
    /// The target says `<compat>1.1</compat>`: without it libvirt's qemu-img call makes a compat
    /// 0.10 (qcow2 v2) image, which lacks zero clusters and lazy refcounts. The backing format is
    /// always given, never probed (probing a raw image is a known security hole). Capacity may
    /// be left out (libvirt then takes the backing image's size).
    static func overlayXML(name: String, capacity: UInt64?, backingPath: String, backingFormat: String) -> String {
        let capacity = capacity.map { "<capacity unit='bytes'>\($0)</capacity>" } ?? ""
        return """
        <volume><name>\(XMLEscape.text(name))</name>\(capacity)
        <target><format type='qcow2'/><compat>1.1</compat></target>
        <backingStore><path>\(XMLEscape.text(backingPath))</path><format type='\(XMLEscape.attribute(backingFormat))'/></backingStore></volume>
        """
    }
}

public struct VolumeInfo: Sendable, Hashable {
    public var type: VolumeType
    /// The size the guest sees, in bytes.
    public var capacity: UInt64
    /// The bytes the volume occupies on the host.
    public var allocation: UInt64
}

public enum VolumeType: Sendable, Hashable {
    case file, block, dir, network, netdir, ploop
    case unknown(Int32)

    init(_ raw: Int32) {
        switch UInt32(raw) {
        case VIR_STORAGE_VOL_FILE.rawValue: self = .file
        case VIR_STORAGE_VOL_BLOCK.rawValue: self = .block
        case VIR_STORAGE_VOL_DIR.rawValue: self = .dir
        case VIR_STORAGE_VOL_NETWORK.rawValue: self = .network
        case VIR_STORAGE_VOL_NETDIR.rawValue: self = .netdir
        case VIR_STORAGE_VOL_PLOOP.rawValue: self = .ploop
        default: self = .unknown(raw)
        }
    }
}

public struct VolumeCreateFlags: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let preallocateMetadata = Self(rawValue: VIR_STORAGE_VOL_CREATE_PREALLOC_METADATA.rawValue)
    public static let reflink = Self(rawValue: VIR_STORAGE_VOL_CREATE_REFLINK.rawValue)
    public static let validate = Self(rawValue: VIR_STORAGE_VOL_CREATE_VALIDATE.rawValue)
}

public struct VolumeDeleteFlags: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let zeroed = Self(rawValue: VIR_STORAGE_VOL_DELETE_ZEROED.rawValue)
    public static let withSnapshots = Self(rawValue: VIR_STORAGE_VOL_DELETE_WITH_SNAPSHOTS.rawValue)
}

public struct VolumeResizeFlags: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let allocate = Self(rawValue: VIR_STORAGE_VOL_RESIZE_ALLOCATE.rawValue)
    public static let delta = Self(rawValue: VIR_STORAGE_VOL_RESIZE_DELTA.rawValue)
    public static let shrink = Self(rawValue: VIR_STORAGE_VOL_RESIZE_SHRINK.rawValue)
}
