import Core
import YAML

/// Fixed addresses given by hand (`ip:`, `mac:`): inside their network, not a reserved
/// address of it, and not used twice (an IP per network, a MAC anywhere).
enum AddressChecks {
    /// Who took an address first, for the message about the second.
    private struct Owner { var guest: String; var mark: Mark }

    static func check(_ guests: [GuestDraft], networks: [NetworkDraft], ctx: DecodeContext) {
        let byName = Dictionary(networks.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var ips: [String: [IPv4: Owner]] = [:]
        var macs: [MAC: Owner] = [:]
        for g in guests {
            for nic in g.nics {
                if let ip = nic.ip, let name = nic.network?.value, let net = byName[name], let subnet = net.subnet?.value,
                   placement(ip, net: net, subnet: subnet, ctx: ctx) {
                    if let first = ips[name]?[ip.value] {
                        ctx.error(ip.mark, ip.path, "address \(ip.value) is already used on network `\(name)` by guest `\(first.guest)` (\(position(first.mark, ctx)))")
                    } else {
                        ips[name, default: [:]][ip.value] = Owner(guest: g.name, mark: ip.mark)
                    }
                }
                if let mac = nic.mac {
                    if let first = macs[mac.value] {
                        ctx.error(mac.mark, mac.path, "MAC address \(mac.value) is already used by guest `\(first.guest)` (\(position(first.mark, ctx)))")
                    } else {
                        macs[mac.value] = Owner(guest: g.name, mark: mac.mark)
                    }
                }
            }
        }
    }

    /// True when the address may be used on the network; otherwise reports why not.
    private static func placement(_ ip: Located<IPv4>, net: NetworkDraft, subnet: Subnet, ctx: DecodeContext) -> Bool {
        let problem: String
        if !subnet.contains(ip.value) {
            problem = "address \(ip.value) is outside network `\(net.name)` (\(subnet))"
        } else if let role = reserved(ip.value, in: subnet) {
            problem = "address \(ip.value) is the \(role) of network `\(net.name)` (\(subnet))"
        } else if ip.value == net.gateway?.value {
            problem = "address \(ip.value) is the gateway of network `\(net.name)`"
        } else {
            return true
        }
        ctx.error(ip.mark, ip.path, problem)
        return false
    }

    /// "network address" / "broadcast address" for the two addresses hosts may not use
    /// (none on a /31 or /32, where every address is usable).
    static func reserved(_ ip: IPv4, in subnet: Subnet) -> String? {
        guard subnet.prefix < 31 else { return nil }
        if ip == subnet.network { return "network address" }
        if ip == subnet.broadcast { return "broadcast address" }
        return nil
    }

    private static func position(_ mark: Mark, _ ctx: DecodeContext) -> String {
        mark.file == ctx.file ? "line \(mark.line), column \(mark.column)" : mark.description
    }
}
