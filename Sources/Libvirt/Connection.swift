import CLibvirt
import Core

/// One libvirt connection (`qemu:///system`, `qemu+ssh://root@host/system?...`, `test:///default`).
///
/// Keep one per host and share it: a virConnect is thread-safe, so many tasks may use it at
/// once, and opening one over SSH costs most of a second.
///
/// `@unchecked Sendable`: the handle is immutable and libvirt serialises access to the
/// connection internally; our own mutable state sits behind `Locked`.
public final class LibvirtConnection: @unchecked Sendable {
    private let rawHandle: OpaquePointer
    /// The connection's canonical URI as libvirt reports it (e.g. `test:///default`).
    public let uri: String
    /// Whether libvirt probes the peer (remote driver connections, including qemu:///system
    /// through the local daemon's socket); false for in-process drivers such as test://.
    public let keepAliveEnabled: Bool
    let subscriptions = EventSubscriptions()
    private let closed = Locked(false)

    private init(handle: OpaquePointer, uri: String, keepAliveEnabled: Bool) {
        self.rawHandle = handle
        self.uri = uri
        self.keepAliveEnabled = keepAliveEnabled
    }

    deinit {
        if !closed.current { release() }
    }

    /// Opens a connection, starting the process-wide event loop first (events and keepalive
    /// are bound to the loop that exists when a connection opens).
    public static func open(_ uri: String) async throws -> LibvirtConnection {
        LibvirtEventLoop.start()
        return try await blocking {
            let handle = try check(virConnectOpen(uri), "cannot open libvirt connection", object: uri)
            let canonical = takeString(virConnectGetURI(handle)) ?? uri
            let connection = LibvirtConnection(handle: handle, uri: canonical,
                                               keepAliveEnabled: startKeepAlive(handle))
            connection.watchForClose()
            return connection
        }
    }

    /// Closes the connection: ends every event stream, then drops libvirt's reference.
    /// Objects obtained from it (domains, pools, ...) keep libvirt's connection alive until they
    /// are released. Do not call while other calls on this connection are in flight.
    public func close() async {
        guard closed.withLock({ was in defer { was = true }; return !was }) else { return }
        await blocking { self.release() }
    }

    /// The libvirt connection for a new call. After `close()` libvirt may have freed it, so
    /// this refuses instead (objects obtained earlier hold their own reference and stay usable).
    var handle: OpaquePointer {
        get throws {
            guard !closed.current else { throw TBError(.libvirt, "connection is closed", object: uri) }
            return rawHandle
        }
    }

    /// The host name of the machine the connection talks to.
    public func hostname() async throws -> String {
        try await blocking {
            try check(takeString(virConnectGetHostname(try self.handle)), "cannot read host name", object: self.uri)
        }
    }

    /// The hypervisor's version (e.g. QEMU 7.2.0) and the libvirt version of the daemon.
    public func version() async throws -> ConnectionVersion {
        try await blocking {
            var hypervisor: UInt = 0
            var library: UInt = 0
            try check(virConnectGetVersion(try self.handle, &hypervisor), "cannot read hypervisor version", object: self.uri)
            try check(virConnectGetLibVersion(try self.handle, &library), "cannot read libvirt version", object: self.uri)
            return ConnectionVersion(hypervisor: LibvirtVersion(hypervisor), libvirt: LibvirtVersion(library))
        }
    }

    /// False once the connection broke (daemon gone, SSH dropped, keepalive timed out).
    public func isAlive() async -> Bool {
        await blocking { (try? virConnectIsAlive(self.handle)) == 1 }
    }

    // MARK: - private

    /// When the connection breaks, end every event stream so that nobody waits forever.
    /// The registry is passed unretained: the connection owns it and unregisters before closing.
    private func watchForClose() {
        let opaque = Unmanaged.passUnretained(subscriptions).toOpaque()
        _ = virConnectRegisterCloseCallback(rawHandle, connectionClosed, opaque, nil)
    }

    private func release() {
        _ = virConnectUnregisterCloseCallback(rawHandle, connectionClosed)
        subscriptions.cancelAll(on: rawHandle)
        virConnectClose(rawHandle)
    }
}

/// Remote connections notice a dead peer (host down, SSH dropped) only through keepalive:
/// probe every 5 s, give up after 3 missed answers; the connection then closes and its event
/// streams end. Needs the event loop. Drivers without it (test://) refuse, which is fine.
private func startKeepAlive(_ handle: OpaquePointer) -> Bool {
    virConnectSetKeepAlive(handle, 5, 3) == 0
}

private let connectionClosed: virConnectCloseFunc = { _, _, opaque in
    guard let opaque else { return }
    Unmanaged<EventSubscriptions>.fromOpaque(opaque).takeUnretainedValue().finishAll()
}

/// A libvirt version number (libvirt encodes it as major * 1_000_000 + minor * 1_000 + release).
public struct LibvirtVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var major: Int
    public var minor: Int
    public var release: Int

    public init(major: Int, minor: Int, release: Int) {
        self.major = major
        self.minor = minor
        self.release = release
    }

    init(_ encoded: UInt) {
        self.init(major: Int(encoded / 1_000_000), minor: Int(encoded / 1_000 % 1_000), release: Int(encoded % 1_000))
    }

    public var description: String { "\(major).\(minor).\(release)" }

    public static func < (a: LibvirtVersion, b: LibvirtVersion) -> Bool {
        (a.major, a.minor, a.release) < (b.major, b.minor, b.release)
    }
}

public struct ConnectionVersion: Sendable, Hashable {
    /// The hypervisor's version, e.g. 7.2.0 for QEMU 7.2 (the test driver reports libvirt's).
    public var hypervisor: LibvirtVersion
    /// The libvirt version of the daemon (or of this library for in-process drivers).
    public var libvirt: LibvirtVersion
}
