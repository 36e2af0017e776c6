import ComposeModel
import Core
import YAML

/// `project:`, `user:` and `management:`: the settings that apply to the whole testbed.
enum ProjectDecoder {
    static func project(_ top: Fields, absolutePath: String, ctx: DecodeContext) -> String {
        let fallback = Names.safeProject(fromFolder: lastComponent(PathRules.parent(absolutePath)))
        guard let node = top["project"] else { return fallback }
        guard let name = Values.string(node, .root.key("project"), ctx: ctx) else { return fallback }
        guard Names.isProject(name) else {
            ctx.error(node.mark, .root.key("project"), "invalid project name `\(name)`: \(Names.projectRule)")
            return fallback
        }
        return name
    }

    static func user(_ top: Fields, ctx: DecodeContext) -> String {
        guard let node = top["user"] else { return "root" }
        guard let name = Values.string(node, .root.key("user"), ctx: ctx) else { return "root" }
        guard Names.isUser(name) else {
            ctx.error(node.mark, .root.key("user"), "invalid user name `\(name)`: \(Names.userRule)")
            return "root"
        }
        return name
    }

    /// `ttl: 2h`: how long a new testbed lives before `tbctl reap` may remove it (docs/fleet.md).
    static func ttl(_ top: Fields, ctx: DecodeContext) -> Int? {
        guard let node = top["ttl"], let text = Values.string(node, .root.key("ttl"), ctx: ctx) else { return nil }
        switch Lifetime.seconds(text) {
        case .success(let s): return s
        case .failure(let e):
            ctx.error(node.mark, .root.key("ttl"), "invalid ttl `\(text)`: \(e.message)")
            return nil
        }
    }

    /// `management: {subnet: ...}`, or a /16 derived from the project name so that two
    /// projects on one machine are unlikely to collide: 10.(100 + fnv1a64(project) % 100).0.0/16.
    static func management(_ top: Fields, project: String, ctx: DecodeContext) -> ManagementSpec {
        let derived = ManagementSpec(subnet: defaultSubnet(project: project), mark: nil)
        guard let node = top["management"] else { return derived }
        let path = KeyPath.root.key("management")
        guard let fields = Fields(node, path, allowed: ["subnet"], ctx: ctx),
              let subnetNode = fields.required("subnet", ownerMark: top.keyMark("management") ?? node.mark, ctx: ctx),
              let subnet = Addresses.subnet(subnetNode, path.key("subnet"), ctx: ctx) else { return derived }
        return ManagementSpec(subnet: subnet, mark: subnetNode.mark)
    }

    static func defaultSubnet(project: String) -> Subnet {
        let second = UInt32(100 + Digest.fnv1a64(project) % 100)
        return Subnet(network: IPv4(raw: 10 << 24 | second << 16), prefix: 16)
    }

    private static func lastComponent(_ folder: String) -> String {
        String(folder.split(separator: "/").last ?? "")
    }
}
