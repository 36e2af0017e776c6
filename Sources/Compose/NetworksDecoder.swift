import Core
import Vocabulary
import YAML

/// `networks:`: guest networks (one OVS bridge per host, joined by tunnels).
enum NetworksDecoder {
    static let keys = ["subnet", "gateway", "tunnel"]

    static func decode(_ node: Node?, ctx: DecodeContext) -> [NetworkDraft] {
        Fields.entries(of: node, .root.key("networks"), ctx: ctx).map { network($0, ctx: ctx) }
    }

    private static func network(_ e: NamedEntry, ctx: DecodeContext) -> NetworkDraft {
        if !Names.isObject(e.name) { ctx.error(e.keyMark, e.path, "invalid network name `\(e.name)`: \(Names.objectRule)") }
        var draft = NetworkDraft(name: e.name, keyMark: e.keyMark, path: e.path, tunnel: .vxlan)
        guard let f = Fields(e.value, e.path, allowed: keys, ctx: ctx) else { return draft }
        if let node = f.required("subnet", ownerMark: e.keyMark, ctx: ctx) {
            let path = e.path.key("subnet")
            draft.subnet = Addresses.subnet(node, path, ctx: ctx).map { Located(value: $0, mark: node.mark, path: path) }
        }
        if let node = f["gateway"] {
            let path = e.path.key("gateway")
            draft.gateway = Addresses.ipv4(node, path, ctx: ctx).map { Located(value: $0, mark: node.mark, path: path) }
        }
        // Without `tunnel:` the draft keeps the documented default; a wrong word is an error.
        if let node = f["tunnel"], let kind = Values.choice(node, e.path.key("tunnel"), TunnelKind.self, ctx: ctx) { draft.tunnel = kind }
        checkGateway(draft, ctx: ctx)
        return draft
    }

    /// The gateway is a host address of the subnet (not its network or broadcast address).
    private static func checkGateway(_ d: NetworkDraft, ctx: DecodeContext) {
        guard let gw = d.gateway, let subnet = d.subnet?.value else { return }
        if !subnet.contains(gw.value) {
            ctx.error(gw.mark, gw.path, "gateway \(gw.value) is outside the subnet \(subnet)")
        } else if let role = AddressChecks.reserved(gw.value, in: subnet) {
            ctx.error(gw.mark, gw.path, "gateway \(gw.value) is the \(role) of \(subnet)")
        }
    }
}
