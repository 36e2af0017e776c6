import CLibvirt
import Core

/// A libvirt domain (a guest), persistent or transient.
///
/// `@unchecked Sendable`: the handle is immutable and libvirt objects are thread-safe.
public final class Domain: LibvirtObject, @unchecked Sendable {
    let handle: OpaquePointer
    public let connection: LibvirtConnection
    public let name: String
    /// The domain's UUID in its canonical string form.
    public let uuid: String

    /// Takes ownership of a virDomainPtr. Name and UUID are cached by libvirt in the object,
    /// so reading them here costs no round trip.
    init(taking handle: OpaquePointer, connection: LibvirtConnection) {
        self.handle = handle
        self.connection = connection
        self.name = String(cString: virDomainGetName(handle))
        self.uuid = uuidString { virDomainGetUUIDString(handle, $0) }
    }

    deinit { virDomainFree(handle) }

    var object: String { "domain \(name) on \(connection.uri)" }

    public func state() async throws -> DomainState {
        try await blocking {
            guard let state = try self.stateIfDefined() else {
                throw lastError("cannot read domain state", object: self.object)
            }
            return state
        }
    }

    public func isActive() async throws -> Bool {
        try await ask("cannot read domain state") { virDomainIsActive($0) }
    }

    public func isPersistent() async throws -> Bool {
        try await ask("cannot read domain") { virDomainIsPersistent($0) }
    }

    public func xml(_ flags: DomainXMLFlags = []) async throws -> String {
        try await fetch("cannot read domain XML") { virDomainGetXMLDesc($0, flags.rawValue) }
    }

    /// Boots a defined domain.
    public func start(_ flags: DomainStartFlags = []) async throws {
        try await run("cannot start domain") { virDomainCreateWithFlags($0, flags.rawValue) }
    }

    /// Asks the guest to shut down and returns at once; wait for `.shutoff` with
    /// `LibvirtConnection.waitForState`. No flags lets the hypervisor pick (QEMU: the guest
    /// agent if configured, else the ACPI power button); `.acpiPowerButton` forces ACPI.
    public func shutdown(_ flags: DomainShutdownFlags = []) async throws {
        try await run("cannot shut down domain") { virDomainShutdownFlags($0, flags.rawValue) }
    }

    /// Pulls the plug (the guest is stopped at once; the definition stays).
    public func destroy() async throws {
        try await run("cannot destroy domain") { virDomainDestroy($0) }
    }

    public func suspend() async throws {
        try await run("cannot suspend domain") { virDomainSuspend($0) }
    }

    public func resume() async throws {
        try await run("cannot resume domain") { virDomainResume($0) }
    }

    /// Removes the definition. By default also the snapshot metadata and the managed save
    /// image: libvirt refuses to undefine a domain that still has either.
    public func undefine(_ flags: DomainUndefineFlags = [.managedSave, .snapshotsMetadata]) async throws {
        try await run("cannot undefine domain") { virDomainUndefineFlags($0, flags.rawValue) }
    }

    public func setAutostart(_ on: Bool) async throws {
        try await run("cannot set autostart") { virDomainSetAutostart($0, on ? 1 : 0) }
    }

    public func autostart() async throws -> Bool {
        try await blocking {
            var on: Int32 = 0
            try check(virDomainGetAutostart(self.handle, &on), "cannot read autostart", object: self.object)
            return on != 0
        }
    }

    /// The custom `<metadata>` element in namespace `uri` (e.g. `<tb:guest xmlns:tb="uri">…`),
    /// or nil when the domain has none.
    public func metadata(uri: String, _ impact: DomainModificationImpact = .current) async throws -> String? {
        try await blocking {
            let type = Int32(VIR_DOMAIN_METADATA_ELEMENT.rawValue)
            if let xml = takeString(virDomainGetMetadata(self.handle, type, uri, impact.rawValue)) { return xml }
            if lastErrorCode() == Int32(VIR_ERR_NO_DOMAIN_METADATA.rawValue) { return nil }
            throw lastError("cannot read domain metadata", object: self.object)
        }
    }

    /// Sets (or, with nil, removes) the custom `<metadata>` element in namespace `uri`.
    /// `xml` is one element without namespace prefix; libvirt adds `key` as the prefix.
    public func setMetadata(_ xml: String?, key: String, uri: String,
                            _ impact: DomainModificationImpact = .current) async throws {
        let type = Int32(VIR_DOMAIN_METADATA_ELEMENT.rawValue)
        try await run("cannot set domain metadata") { virDomainSetMetadata($0, type, xml, key, uri, impact.rawValue) }
    }

    // MARK: - internal

    /// The domain's state, or nil when it no longer exists (a transient domain that stopped).
    /// Call inside `blocking`.
    func stateIfDefined() throws -> DomainState? {
        var state: Int32 = 0
        var reason: Int32 = 0
        if virDomainGetState(handle, &state, &reason, 0) == 0 { return DomainState(rawState: state) }
        if lastErrorCode() == Int32(VIR_ERR_NO_DOMAIN.rawValue) { return nil }
        throw lastError("cannot read domain state", object: object)
    }
}

extension LibvirtConnection {
    /// Defines (or redefines, when the XML carries the existing UUID) a persistent domain.
    public func defineDomain(xml: String, _ flags: DomainDefineFlags = []) async throws -> Domain {
        try await blocking {
            let handle = try check(virDomainDefineXMLFlags(try self.handle, xml, flags.rawValue),
                                   "cannot define domain", object: self.uri)
            return Domain(taking: handle, connection: self)
        }
    }

    /// The domain called `name`, or nil when there is none.
    public func domain(named name: String) async throws -> Domain? {
        try await blocking {
            try lookup(virDomainLookupByName(try self.handle, name), notFound: VIR_ERR_NO_DOMAIN,
                       "cannot look up domain", object: "domain \(name) on \(self.uri)")
                .map { Domain(taking: $0, connection: self) }
        }
    }

    /// Every domain, running or not.
    public func allDomains() async throws -> [Domain] {
        try await blocking {
            var list: UnsafeMutablePointer<OpaquePointer?>?
            let count = try check(virConnectListAllDomains(try self.handle, &list, 0), "cannot list domains", object: self.uri)
            return takeList(list, count: count) { Domain(taking: $0, connection: self) }
        }
    }
}

/// Reads a UUID string through libvirt's fixed-size buffer convention.
func uuidString(_ read: (UnsafeMutablePointer<CChar>) -> Int32) -> String {
    var buffer = [CChar](repeating: 0, count: Int(VIR_UUID_STRING_BUFLEN))
    return buffer.withUnsafeMutableBufferPointer { buf in
        read(buf.baseAddress!) == 0 ? String(cString: buf.baseAddress!) : ""
    }
}

public enum DomainState: String, Sendable, CaseIterable {
    case nostate, running, blocked, paused, shutdown, shutoff, crashed, pmsuspended

    init(rawState: Int32) {
        switch UInt32(rawState) {
        case VIR_DOMAIN_RUNNING.rawValue: self = .running
        case VIR_DOMAIN_BLOCKED.rawValue: self = .blocked
        case VIR_DOMAIN_PAUSED.rawValue: self = .paused
        case VIR_DOMAIN_SHUTDOWN.rawValue: self = .shutdown
        case VIR_DOMAIN_SHUTOFF.rawValue: self = .shutoff
        case VIR_DOMAIN_CRASHED.rawValue: self = .crashed
        case VIR_DOMAIN_PMSUSPENDED.rawValue: self = .pmsuspended
        default: self = .nostate
        }
    }
}

public struct DomainXMLFlags: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// Include security-sensitive data (passwords).
    public static let secure = Self(rawValue: VIR_DOMAIN_XML_SECURE.rawValue)
    /// The persistent definition rather than the running configuration.
    public static let inactive = Self(rawValue: VIR_DOMAIN_XML_INACTIVE.rawValue)
    public static let updateCPU = Self(rawValue: VIR_DOMAIN_XML_UPDATE_CPU.rawValue)
    public static let migratable = Self(rawValue: VIR_DOMAIN_XML_MIGRATABLE.rawValue)
}

public struct DomainDefineFlags: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// Validate the XML against libvirt's schema first.
    public static let validate = Self(rawValue: VIR_DOMAIN_DEFINE_VALIDATE.rawValue)
}

public struct DomainStartFlags: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let paused = Self(rawValue: VIR_DOMAIN_START_PAUSED.rawValue)
    public static let autodestroy = Self(rawValue: VIR_DOMAIN_START_AUTODESTROY.rawValue)
    public static let bypassCache = Self(rawValue: VIR_DOMAIN_START_BYPASS_CACHE.rawValue)
    /// Boot fresh, discarding a managed save image.
    public static let forceBoot = Self(rawValue: VIR_DOMAIN_START_FORCE_BOOT.rawValue)
}

public struct DomainShutdownFlags: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let acpiPowerButton = Self(rawValue: VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN.rawValue)
    public static let guestAgent = Self(rawValue: VIR_DOMAIN_SHUTDOWN_GUEST_AGENT.rawValue)
    public static let signal = Self(rawValue: VIR_DOMAIN_SHUTDOWN_SIGNAL.rawValue)
}

public struct DomainUndefineFlags: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let managedSave = Self(rawValue: VIR_DOMAIN_UNDEFINE_MANAGED_SAVE.rawValue)
    public static let snapshotsMetadata = Self(rawValue: VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA.rawValue)
    public static let nvram = Self(rawValue: VIR_DOMAIN_UNDEFINE_NVRAM.rawValue)
    public static let keepNVRAM = Self(rawValue: VIR_DOMAIN_UNDEFINE_KEEP_NVRAM.rawValue)
    public static let checkpointsMetadata = Self(rawValue: VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA.rawValue)
}

/// Whether a change applies to the running guest, the persistent definition, or both.
public struct DomainModificationImpact: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// The running guest when it runs, else the definition.
    public static let current = Self(rawValue: VIR_DOMAIN_AFFECT_CURRENT.rawValue)
    public static let live = Self(rawValue: VIR_DOMAIN_AFFECT_LIVE.rawValue)
    public static let config = Self(rawValue: VIR_DOMAIN_AFFECT_CONFIG.rawValue)
}
