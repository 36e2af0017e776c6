import ComposeModel
import YAML

/// The whole file: each section in turn, then the rules that need several sections.
enum ComposeDecoder {
    static let keys = ["project", "user", "management", "ttl", "hosts", "images", "networks", "guests"]

    static func decode(_ root: Node, absolutePath: String, ctx: DecodeContext) -> ComposeFile? {
        guard let top = Fields(root, .root, allowed: keys, extensions: true, ctx: ctx) else { return nil }
        let project = ProjectDecoder.project(top, absolutePath: absolutePath, ctx: ctx)
        let user = ProjectDecoder.user(top, ctx: ctx)
        let hosts = HostsDecoder.decode(top["hosts"], ctx: ctx)
        let images = ImagesDecoder.decode(top["images"], ctx: ctx)
        let networks = NetworksDecoder.decode(top["networks"], ctx: ctx)
        let guests = GuestsDecoder.decode(top["guests"], ctx: ctx)
        let management = ProjectDecoder.management(top, project: project, ctx: ctx)

        HostRules.check(hosts, ctx: ctx)
        References.check(guests, images: images.map(\.name), hosts: hosts.map(\.spec.name),
                         networks: networks.map(\.name), ctx: ctx)
        ServiceNames.check(guests, ctx: ctx)
        AddressChecks.check(guests, networks: networks, ctx: ctx)
        Capacity.checkNetworks(guests, networks: networks, ctx: ctx)
        Capacity.checkManagement(management, hosts: hosts, networks: networks, ctx: ctx)

        var file = ComposeFile(path: absolutePath, project: project, user: user, management: management,
                               hosts: hosts.map(\.spec), images: images, networks: networks.compactMap(\.spec),
                               guests: guests.map(\.spec))
        file.ttl = ProjectDecoder.ttl(top, ctx: ctx)
        return file
    }
}
