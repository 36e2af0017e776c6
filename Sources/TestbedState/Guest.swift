import Vocabulary

extension TestbedState {
    /// One libvirt domain tbctl manages.
    public struct Guest: Codable, Sendable, Equatable {
        public struct Role: Codable, Sendable, Equatable {
            public enum Kind: String, Codable, Sendable { case single, clone, golden }
            public var kind: Kind
            public var service: String?
            public var index: Int?
            public static let single = Role(kind: .single, service: nil, index: nil)
            public static func clone(_ service: String, _ index: Int) -> Role { Role(kind: .clone, service: service, index: index) }
            public static func golden(_ service: String) -> Role { Role(kind: .golden, service: service, index: nil) }
        }

        /// The guest's root disk: a qcow2 overlay of `backingVolume` in the same pool, or with
        /// `fullCopy` a standalone qcow2 copy of it (no backing file).
        public struct Disk: Codable, Sendable, Equatable {
            public var volume: String
            public var backingVolume: String
            public var backingFormat: ImageFormat
            /// Virtual size in bytes; nil keeps the backing image's size.
            public var capacityBytes: Int64?
            /// `disk: {copy: full}`; nil (older state files) is a linked clone.
            public var fullCopy: Bool?
            public init(volume: String, backingVolume: String, backingFormat: ImageFormat, capacityBytes: Int64?,
                        fullCopy: Bool = false) {
                self.volume = volume; self.backingVolume = backingVolume; self.backingFormat = backingFormat
                self.capacityBytes = capacityBytes; self.fullCopy = fullCopy ? true : nil
            }
            public var isFullCopy: Bool { fullCopy ?? false }
            /// What the applied record says of a full copy: which image it was copied from.
            public var copyRecord: String { "copy-of:\(backingVolume)" }
        }

        /// `login:` of a guest without a seed: its image's own user and credentials.
        public struct Login: Codable, Sendable, Equatable {
            public var user: String
            /// Absolute path of a private key file on the master, or
            public var keyFile: String?
            /// absolute path of a file holding the password (its first line).
            public var passwordFile: String?
            public init(user: String, keyFile: String?, passwordFile: String?) {
                self.user = user; self.keyFile = keyFile; self.passwordFile = passwordFile
            }
        }

        /// How tbctl knows the guest is up after a start.
        public enum Wait: Codable, Sendable, Equatable {
            case ssh
            case port(Int)
            case none
        }

        public struct NIC: Codable, Sendable, Equatable {
            /// Network name; `management` marks the first NIC on the host's NAT network.
            public var network: String
            public var isManagement: Bool
            /// libvirt network (management) or OVS bridge (guest networks).
            public var attach: String
            public var mac: String
            public var ip: String
            public var prefix: Int
            /// Default route via this gateway (at most one NIC of a guest has one).
            public var gateway: String?
            public var mtu: Int
            public init(network: String, isManagement: Bool, attach: String, mac: String, ip: String,
                        prefix: Int, gateway: String?, mtu: Int) {
                self.network = network; self.isManagement = isManagement; self.attach = attach; self.mac = mac
                self.ip = ip; self.prefix = prefix; self.gateway = gateway; self.mtu = mtu
            }
        }

        public struct File: Codable, Sendable, Equatable {
            /// Absolute path on the master.
            public var source: String
            /// Absolute path in the guest.
            public var destination: String
            public init(source: String, destination: String) { self.source = source; self.destination = destination }
        }

        public var name: String
        /// libvirt domain name: `<project>-<name>`.
        public var domain: String
        public var host: String
        public var role: Role
        public var cpus: Int
        public var memoryMiB: Int
        public var disk: Disk
        /// Volume holding the NoCloud seed ISO; nil for a guest whose image has no cloud-init
        /// (`seed: none`): nothing is attached.
        public var seedVolume: String?
        public var nics: [NIC]
        /// The guest's SSH host public key line; tbctl refuses a guest presenting another key.
        public var hostKey: String
        /// Absolute path of the setup script run once after first boot.
        public var setup: String?
        public var setupDigest: String?
        public var files: [File]
        public var env: [String: String]
        /// Absolute path of extra cloud-config merged into the generated user-data.
        public var userData: String?
        /// Set for a guest without a seed that tbctl can log in to; nil otherwise (a seeded
        /// guest takes the project's user and key).
        public var login: Login?
        /// nil (older state files) means ssh.
        public var wait: Wait?

        public init(name: String, domain: String, host: String, role: Role, cpus: Int, memoryMiB: Int,
                    disk: Disk, seedVolume: String?, nics: [NIC], hostKey: String, setup: String?,
                    setupDigest: String?, files: [File], env: [String: String], userData: String?) {
            self.name = name; self.domain = domain; self.host = host; self.role = role; self.cpus = cpus
            self.memoryMiB = memoryMiB; self.disk = disk; self.seedVolume = seedVolume; self.nics = nics
            self.hostKey = hostKey; self.setup = setup; self.setupDigest = setupDigest; self.files = files
            self.env = env; self.userData = userData
        }

        public var hasSeed: Bool { seedVolume != nil }
        /// What the setup stage records as done on the guest's disk: its script's digest, or for
        /// a guest without a seed whose `files` tbctl copies over SSH, at least that they were.
        public var setupRecord: String? { setupDigest ?? (!hasSeed && !files.isEmpty ? "files" : nil) }
        public var readiness: Wait { wait ?? .ssh }
        /// tbctl can open an SSH session: the guest has its seed (project key) or a login.
        public var canLogIn: Bool { hasSeed || login != nil }
        /// Who tbctl logs in as: the project's user on a seeded guest, else the `login:` user.
        public func sessionUser(project user: String) -> String { hasSeed ? user : login?.user ?? user }

        public var managementNIC: NIC { nics.first { $0.isManagement }! }
        public var managementIP: String { managementNIC.ip }
    }
}
