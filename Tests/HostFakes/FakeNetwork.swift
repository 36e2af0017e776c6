import Core
import Hosts
import Plan

/// The management NAT network on a fake host.
struct FakeNetwork: NetworkHandle {
    let lab: FakeLab
    let host: String
    let name: String

    private func on<T>(_ op: String, _ body: (inout NetworkRecord) throws -> T) async throws -> T {
        try await lab.call(host, "network.\(op)", name)
        return try lab.with(host) { h in
            guard var n = h.networks[name] else { throw TBError(.libvirt, "Network not found: no network with matching name '\(name)'") }
            defer { h.networks[name] = n }
            return try body(&n)
        }
    }

    func isActive() async throws -> Bool { try await on("isActive") { $0.active } }

    func create() async throws {
        try await on("create") { n in
            guard !n.active else { throw TBError(.libvirt, "Requested operation is not valid: network is already active") }
            n.active = true
        }
    }

    func setAutostart(_ on: Bool) async throws { try await self.on("setAutostart") { $0.autostart = on } }

    func destroy() async throws {
        try await on("destroy") { n in
            guard n.active else { throw TBError(.libvirt, "Requested operation is not valid: network is not active") }
            n.active = false
        }
    }

    func undefine() async throws {
        try await on("undefine") { _ in }
        lab.with(host) { $0.networks[name] = nil }
    }

    func hostAddress() async throws -> NetworkAddress? { try await on("hostAddress") { $0.address } }

    func dhcpHosts() async throws -> Set<Inventory.DHCPHost> { try await on("dhcpHosts") { $0.dhcp } }

    func updateDHCPHost(_ entry: Inventory.DHCPHost, add: Bool) async throws {
        try await on(add ? "addDHCPHost" : "removeDHCPHost") { n in
            if add {
                guard !n.dhcp.contains(where: { $0.mac == entry.mac || $0.ip == entry.ip }) else {
                    throw TBError(.libvirt, "there is an existing dhcp host entry in network '\(name)' that matches \(entry.mac)")
                }
                n.dhcp.insert(entry)
            } else {
                guard n.dhcp.remove(entry) != nil else {
                    throw TBError(.libvirt, "couldn't locate a matching dhcp host entry in network '\(name)'")
                }
            }
        }
    }
}
