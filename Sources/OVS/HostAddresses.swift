import Core
import Foundation
import OVSModel

/// The Linux side of gateway (internal) ports: OVS creates the device (a tap on the netdev
/// datapath, an internal netdev on `system`) but knows nothing about its IP address or link
/// state, so tbctl sets and reads those with `ip`, through the same runner.
enum HostAddresses {
    struct Link: Sendable, Equatable {
        var addresses: [String]   // IPv4 CIDRs, as `ip` prints them
        var isUp: Bool            // administratively up (IFF_UP)
    }

    /// Every device's IPv4 addresses and up flag, from one `ip -j addr show`.
    static func read(_ runner: some CommandRunner) async throws -> [String: Link] {
        try parse(await runner.check(["ip", "-j", "addr", "show"], code: .ovs))
    }

    /// Gives `device` exactly `address` and brings it up. Other IPv4 addresses go first:
    /// deleting a primary address also deletes its secondaries, which would take a freshly
    /// added one with it. `replace` keeps an address that is already right (no flap).
    static func configure(_ device: String, address: String, _ runner: some CommandRunner) async throws {
        let want = normalizedCIDR(address)
        let current = try parse(await runner.check(["ip", "-j", "addr", "show", "dev", device], code: .ovs))
        for stale in current[device]?.addresses ?? [] where stale != want {
            try await runner.check(["ip", "addr", "del", stale, "dev", device], code: .ovs)
        }
        try await runner.check(["ip", "addr", "replace", want, "dev", device], code: .ovs)
        try await runner.check(["ip", "link", "set", device, "up"], code: .ovs)
    }

    private struct Entry: Decodable {
        struct Address: Decodable { var family: String; var local: String?; var prefixlen: Int? }
        var ifname: String
        var flags: [String]?
        var addr_info: [Address]?
    }

    static func parse(_ json: String) throws -> [String: Link] {
        let entries: [Entry]
        do { entries = try JSONDecoder().decode([Entry].self, from: Data(json.utf8)) } catch {
            throw TBError(.ovs, "cannot parse `ip -j addr` output", underlying: error)
        }
        var out: [String: Link] = [:]
        for e in entries {
            let v4 = (e.addr_info ?? []).filter { $0.family == "inet" }.compactMap { a in
                a.local.flatMap { ip in a.prefixlen.map { "\(ip)/\($0)" } }
            }
            out[e.ifname] = Link(addresses: v4, isUp: e.flags?.contains("UP") ?? false)
        }
        return out
    }
}
