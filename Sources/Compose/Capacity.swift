import ComposeModel
import Core

/// Room for what is asked: each guest network must hold its NICs (a service needs one per
/// clone) and its gateway; the management subnet must hold one /24 per host and must not
/// overlap a guest network (a guest has a NIC on both: its routes would clash).
enum Capacity {
    static func checkNetworks(_ guests: [GuestDraft], networks: [NetworkDraft], ctx: DecodeContext) {
        for net in networks {
            guard let subnet = net.subnet else { continue }
            let nics = guests.reduce(0) { sum, g in sum + g.nics.filter { $0.network?.value == net.name }.count * g.copies }
            let needed = nics + (net.gateway == nil ? 0 : 1)
            let usable = Int(subnet.value.usable.upperBound - subnet.value.usable.lowerBound) + 1
            guard needed > usable else { continue }
            let what = net.gateway == nil ? "for \(nics) guest NICs" : "\(nics) guest NICs and the gateway"
            ctx.error(subnet.mark, subnet.path, "subnet \(subnet.value) has \(usable) usable addresses, but network `\(net.name)` needs \(needed): \(what)")
        }
    }

    static func checkManagement(_ m: ManagementSpec, hosts: [HostDraft], networks: [NetworkDraft], ctx: DecodeContext) {
        let path = KeyPath.root.key("management").key("subnet")
        let mark = m.mark ?? hosts.first?.keyMark
        if m.subnet.prefix > 24 {
            ctx.error(mark, path, "management subnet \(m.subnet) is too small: its prefix must be /24 or shorter (each host gets a /24)")
        } else if 1 << (24 - m.subnet.prefix) < hosts.count {
            ctx.error(mark, path, "management subnet \(m.subnet) has room for \(1 << (24 - m.subnet.prefix)) hosts (one /24 each), but the testbed has \(hosts.count)")
        }
        for net in networks {
            guard let s = net.subnet, s.value.overlaps(m.subnet) else { continue }
            let fix = m.mark == nil ? "pick another subnet or set `management: {subnet: ...}`" : "pick another subnet"
            ctx.error(s.mark, s.path, "subnet \(s.value) of network `\(net.name)` overlaps the management subnet \(m.subnet); \(fix)")
        }
    }
}
