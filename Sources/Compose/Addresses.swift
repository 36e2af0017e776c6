import Core
import YAML

/// Reading subnets, IPv4 and MAC addresses, with messages that say what a valid one looks like.
enum Addresses {
    static func subnet(_ node: Node, _ path: KeyPath, ctx: DecodeContext) -> Subnet? {
        guard let s = Values.string(node, path, ctx: ctx) else { return nil }
        switch Subnet.parse(s) {
        case .success(let subnet): return subnet
        case .failure(.hostBitsSet(let fixed)):
            ctx.error(node.mark, path, "subnet `\(s)` has host bits set; did you mean `\(fixed)`?")
        case .failure(.syntax):
            ctx.error(node.mark, path, "invalid subnet `\(s)`: expected CIDR notation like 10.0.0.0/24")
        }
        return nil
    }

    static func ipv4(_ node: Node, _ path: KeyPath, ctx: DecodeContext) -> IPv4? {
        guard let s = Values.string(node, path, ctx: ctx) else { return nil }
        guard let ip = IPv4(s) else {
            ctx.error(node.mark, path, "invalid IPv4 address `\(s)`: expected four numbers 0-255 like 10.0.0.5")
            return nil
        }
        return ip
    }

    /// Guest NICs need unicast MACs: a multicast one (lowest bit of the first byte set) is
    /// refused by the kernel for an interface.
    static func mac(_ node: Node, _ path: KeyPath, ctx: DecodeContext) -> MAC? {
        guard let s = Values.string(node, path, ctx: ctx) else { return nil }
        guard let mac = MAC(s) else {
            ctx.error(node.mark, path, "invalid MAC address `\(s)`: expected six hex pairs like 52:54:00:12:34:56")
            return nil
        }
        guard !mac.isMulticast else {
            ctx.error(node.mark, path, "MAC address `\(s)` is multicast (its first byte is odd); use a unicast one like 52:54:00:12:34:56")
            return nil
        }
        return mac
    }
}
