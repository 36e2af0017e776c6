import YAML

/// A guest's `networks:` list: each entry a network name, or `{network, ip, mac}`.
enum GuestNICsDecoder {
    static func decode(_ node: Node, _ path: KeyPath, isService: Bool, ctx: DecodeContext) -> [NICDraft] {
        guard let items = Values.list(node, path, ctx: ctx) else { return [] }
        return items.enumerated().compactMap { i, item in nic(item, path.index(i), isService: isService, ctx: ctx) }
    }

    private static func nic(_ node: Node, _ path: KeyPath, isService: Bool, ctx: DecodeContext) -> NICDraft? {
        var d = NICDraft(mark: node.mark, path: path)
        if let s = node.scalar, !node.isNull {
            d.network = Located(value: s.value, mark: node.mark, path: path)
            return d
        }
        guard node.mapping != nil else {
            ctx.error(node.mark, path, "expected a network name or {network, ip, mac}, got \(Values.describe(node))")
            return nil
        }
        guard let f = Fields(node, path, allowed: ["network", "ip", "mac"], ctx: ctx) else { return nil }
        if let n = f.required("network", ownerMark: node.mark, ctx: ctx), let s = Values.string(n, path.key("network"), ctx: ctx) {
            d.network = Located(value: s, mark: n.mark, path: path.key("network"))
        }
        // Clones of a service get their addresses from IPAM: one fixed address cannot serve N clones.
        for key in ["ip", "mac"] where isService && f[key] != nil {
            ctx.error(f.keyMark(key), path.key(key), "`\(key)` cannot be set on a service's network: each clone gets its own from the address pool")
        }
        if !isService, let n = f["ip"] {
            d.ip = Addresses.ipv4(n, path.key("ip"), ctx: ctx).map { Located(value: $0, mark: n.mark, path: path.key("ip")) }
        }
        if !isService, let n = f["mac"] {
            d.mac = Addresses.mac(n, path.key("mac"), ctx: ctx).map { Located(value: $0, mark: n.mark, path: path.key("mac")) }
        }
        return d
    }
}
