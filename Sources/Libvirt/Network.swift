import CLibvirt
import Core

/// A libvirt virtual network (tbctl's per-host management NAT network).
///
/// `@unchecked Sendable`: the handle is immutable and libvirt objects are thread-safe.
public final class Network: LibvirtObject, @unchecked Sendable {
    let handle: OpaquePointer
    public let connection: LibvirtConnection
    public let name: String
    public let uuid: String

    /// Takes ownership of a virNetworkPtr (name and UUID are cached in the object).
    init(taking handle: OpaquePointer, connection: LibvirtConnection) {
        self.handle = handle
        self.connection = connection
        self.name = String(cString: virNetworkGetName(handle))
        self.uuid = uuidString { virNetworkGetUUIDString(handle, $0) }
    }

    deinit { virNetworkFree(handle) }

    var object: String { "network \(name) on \(connection.uri)" }

    /// Starts the network (bridge, dnsmasq, NAT rules).
    public func create() async throws {
        try await run("cannot start network") { virNetworkCreate($0) }
    }

    public func isActive() async throws -> Bool {
        try await ask("cannot read network state") { virNetworkIsActive($0) }
    }

    public func isPersistent() async throws -> Bool {
        try await ask("cannot read network") { virNetworkIsPersistent($0) }
    }

    /// Stops the network; the definition stays.
    public func destroy() async throws {
        try await run("cannot stop network") { virNetworkDestroy($0) }
    }

    public func undefine() async throws {
        try await run("cannot undefine network") { virNetworkUndefine($0) }
    }

    public func setAutostart(_ on: Bool) async throws {
        try await run("cannot set autostart") { virNetworkSetAutostart($0, on ? 1 : 0) }
    }

    public func xml(inactive: Bool = false) async throws -> String {
        let flags = inactive ? VIR_NETWORK_XML_INACTIVE.rawValue : 0
        return try await fetch("cannot read network XML") { virNetworkGetXMLDesc($0, flags) }
    }

    /// The Linux bridge the network uses (e.g. virbr0).
    public func bridgeName() async throws -> String {
        try await fetch("cannot read network bridge") { virNetworkGetBridgeName($0) }
    }
}

extension LibvirtConnection {
    /// Defines a persistent network (not started: call `create()`).
    public func defineNetwork(xml: String) async throws -> Network {
        try await blocking {
            let handle = try check(virNetworkDefineXML(try self.handle, xml), "cannot define network", object: self.uri)
            return Network(taking: handle, connection: self)
        }
    }

    /// The network called `name`, or nil when there is none.
    public func network(named name: String) async throws -> Network? {
        try await blocking {
            try lookup(virNetworkLookupByName(try self.handle, name), notFound: VIR_ERR_NO_NETWORK,
                       "cannot look up network", object: "network \(name) on \(self.uri)")
                .map { Network(taking: $0, connection: self) }
        }
    }

    /// Every network, active or not.
    public func allNetworks() async throws -> [Network] {
        try await blocking {
            var list: UnsafeMutablePointer<OpaquePointer?>?
            let count = try check(virConnectListAllNetworks(try self.handle, &list, 0), "cannot list networks", object: self.uri)
            return takeList(list, count: count) { Network(taking: $0, connection: self) }
        }
    }
}
