/// The compiled testbed: everything the provisioner needs, without reading the compose file again.
/// Written to `.testbed/state.json` (sorted keys, so the same input gives the same bytes).
/// Schema documented in docs/state-json.md; bump `schemaVersion` on incompatible changes.
public struct TestbedState: Codable, Sendable, Equatable {
    public static let currentSchemaVersion = 1

    public var schemaVersion: Int
    public var project: String
    /// Absolute path of the compose file, and the SHA-256 of its bytes when compiled.
    public var composeFile: String
    public var composeDigest: String
    /// The login user in every guest; it holds the project's key.
    public var user: String
    /// The project's public key line (`ssh-ed25519 AAAA… tbctl-<project>`).
    public var sshPublicKey: String
    /// Hosts in compose order; the first is the master, where tbctl runs.
    public var hosts: [Host]
    public var images: [Image]
    public var networks: [Network]
    public var tunnels: [Tunnel]
    public var services: [Service]
    /// Every domain tbctl defines: single guests, clones, and golden-image builders.
    public var guests: [Guest]
    /// Hosts removed from the compose file that may still hold the project's objects: `up`
    /// and `down` remove those there and then forget the host. Absent when there are none.
    public var retiredHosts: [Host]?
    /// `ttl:` in seconds: how long a new testbed lives before `reap` may remove it. Absent: no limit.
    public var ttl: Int?
    /// `up --local`: every guest on the master (the only host), whatever `hosts:` says. Absent: false.
    public var local: Bool?

    public init(project: String, composeFile: String, composeDigest: String, user: String,
                sshPublicKey: String, hosts: [Host], images: [Image], networks: [Network],
                tunnels: [Tunnel], services: [Service], guests: [Guest]) {
        self.schemaVersion = Self.currentSchemaVersion
        self.project = project
        self.composeFile = composeFile
        self.composeDigest = composeDigest
        self.user = user
        self.sshPublicKey = sshPublicKey
        self.hosts = hosts
        self.images = images
        self.networks = networks
        self.tunnels = tunnels
        self.services = services
        self.guests = guests
    }
}

extension TestbedState {
    public func host(named name: String) -> Host? { hosts.first { $0.name == name } }
    public func guest(named name: String) -> Guest? { guests.first { $0.name == name } }
    public func network(named name: String) -> Network? { networks.first { $0.name == name } }
    public func image(named name: String) -> Image? { images.first { $0.name == name } }
    public func service(named name: String) -> Service? { services.first { $0.name == name } }
    /// Guests a user works with (golden-image builders excluded).
    public var userGuests: [Guest] { guests.filter { $0.role.kind != .golden } }
    public var master: Host { hosts[0] }
    public var isLocal: Bool { local ?? false }
}
