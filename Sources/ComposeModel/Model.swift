import Core
import Vocabulary

/// The compose file, decoded and validated. Every object keeps the mark of its definition so that
/// later stages (the compiler) can still point at the file when something does not fit.
/// Paths (setup, files, user_data, identity, image sources) are absolute, resolved against the
/// compose file's folder. Dictionaries of the file are kept as arrays in file order.
public struct ComposeFile: Sendable {
    public var path: String              // absolute path of testbed.yaml
    public var project: String           // `project:` or the folder's name, made safe
    public var user: String              // `user:`, default "root"
    public var management: ManagementSpec
    public var hosts: [HostSpec]         // default: one host "main" = qemu:///system
    public var images: [ImageSpec]
    public var networks: [NetworkSpec]
    public var guests: [GuestSpec]
    /// `ttl:` in seconds: a new testbed's time to live (nil: none).
    public var ttl: Int? = nil

    public init(path: String, project: String, user: String, management: ManagementSpec, hosts: [HostSpec],
                images: [ImageSpec], networks: [NetworkSpec], guests: [GuestSpec]) {
        self.path = path; self.project = project; self.user = user; self.management = management
        self.hosts = hosts; self.images = images; self.networks = networks; self.guests = guests
    }
}

/// `management: {subnet: 10.120.0.0/16}`: each host gets one /24 of it, in host order.
public struct ManagementSpec: Sendable {
    public var subnet: Subnet
    public var mark: Mark?
    public init(subnet: Subnet, mark: Mark?) { self.subnet = subnet; self.mark = mark }
}

public struct HostSpec: Sendable {
    public struct SSHTarget: Sendable, Equatable {
        public var user: String
        public var address: String
        public var port: Int
        public init(user: String, address: String, port: Int) { self.user = user; self.address = address; self.port = port }
    }
    public var name: String
    public var mark: Mark?
    /// Explicit libvirt URI (`uri:`); nil means derived: qemu:///system locally, qemu+libssh2 remotely.
    public var uri: String?
    /// `ssh: user@address[:port]`; nil for the local host (must be the first host).
    public var ssh: SSHTarget?
    /// `identity:` absolute path; default ~/.ssh/id_ed25519 resolved at load time.
    public var identity: String?
    public var tunnelIP: IPv4?
    public var accel: Accel             // default kvm
    public var datapath: Datapath       // default system
    public var cpus: Int?               // declared capacity for placement
    public var memoryMiB: Int?
    /// `max_booting:` guests booting at once on the host; nil: derived from its cores.
    public var maxBooting: Int?
    public init(name: String, mark: Mark?, uri: String?, ssh: SSHTarget?, identity: String?, tunnelIP: IPv4?,
                accel: Accel, datapath: Datapath, cpus: Int?, memoryMiB: Int?) {
        self.name = name; self.mark = mark; self.uri = uri; self.ssh = ssh; self.identity = identity
        self.tunnelIP = tunnelIP; self.accel = accel; self.datapath = datapath; self.cpus = cpus; self.memoryMiB = memoryMiB
    }
}

public struct ImageSpec: Sendable {
    public var name: String
    public var mark: Mark?
    public var source: String           // absolute path, or http(s) URL
    public var sha256: String?          // lowercase hex, 64 chars
    public var format: ImageFormat?     // nil: detected when compiled
    public init(name: String, mark: Mark?, source: String, sha256: String?, format: ImageFormat?) {
        self.name = name; self.mark = mark; self.source = source; self.sha256 = sha256; self.format = format
    }
}

public struct NetworkSpec: Sendable {
    public var name: String
    public var mark: Mark?
    public var subnet: Subnet
    public var gateway: IPv4?
    public var tunnel: TunnelKind       // default vxlan
    public init(name: String, mark: Mark?, subnet: Subnet, gateway: IPv4?, tunnel: TunnelKind) {
        self.name = name; self.mark = mark; self.subnet = subnet; self.gateway = gateway; self.tunnel = tunnel
    }
}

public struct NICSpec: Sendable {
    public var network: String
    public var mark: Mark?
    public var ip: IPv4?
    public var mac: MAC?
    public init(network: String, mark: Mark?, ip: IPv4?, mac: MAC?) {
        self.network = network; self.mark = mark; self.ip = ip; self.mac = mac
    }
}

public struct FileSpec: Sendable, Equatable {
    public var source: String           // absolute path on the master (file or folder)
    public var destination: String      // absolute path in the guest
    public init(source: String, destination: String) { self.source = source; self.destination = destination }
}

/// How tbctl logs in to a guest that does not read its seed (`login:`): the image's own user,
/// with a private key file or a password file (absolute paths).
public struct LoginSpec: Sendable, Equatable {
    public var user: String
    public var keyFile: String?
    public var passwordFile: String?
    public init(user: String, keyFile: String?, passwordFile: String?) {
        self.user = user; self.keyFile = keyFile; self.passwordFile = passwordFile
    }
}

/// How tbctl knows a guest is up (`wait:`): an SSH login, a TCP port on its management
/// address, or nothing (the domain running is enough).
public enum WaitSpec: Sendable, Equatable {
    case ssh
    case port(Int)
    case none
}

public struct GuestSpec: Sendable {
    public var name: String
    public var mark: Mark?
    public var image: String
    public var cpus: Int                // default 1
    public var memoryMiB: Int           // default 512
    public var diskBytes: Int64?
    public var host: String?
    public var networks: [NICSpec]
    public var setup: String?
    public var files: [FileSpec]
    public var env: [(key: String, value: String)]
    public var userData: String?
    /// Set for a service: `replicas: N` (0 allowed).
    public var replicas: Int?
    /// Mark of `replicas:`, for errors about the count.
    public var replicasMark: Mark?
    public var goldenSetup: String?
    /// `seed: none`: the image has no cloud-init; no seed is attached.
    public var seed: Bool = true
    public var login: LoginSpec?
    /// `wait:`; nil means the default: ssh when tbctl can log in (a seed or a login), else none.
    public var wait: WaitSpec?
    /// `disk: {copy: full}`: a full copy of the image instead of a linked clone.
    public var fullCopy: Bool = false
    public init(name: String, mark: Mark?, image: String, cpus: Int, memoryMiB: Int, diskBytes: Int64?,
                host: String?, networks: [NICSpec], setup: String?, files: [FileSpec],
                env: [(key: String, value: String)], userData: String?, replicas: Int?, replicasMark: Mark?,
                goldenSetup: String?) {
        self.name = name; self.mark = mark; self.image = image; self.cpus = cpus; self.memoryMiB = memoryMiB
        self.diskBytes = diskBytes; self.host = host; self.networks = networks; self.setup = setup
        self.files = files; self.env = env; self.userData = userData; self.replicas = replicas
        self.replicasMark = replicasMark; self.goldenSetup = goldenSetup
    }
    /// What `wait:` comes to: by default ssh where tbctl can log in, nothing otherwise.
    public var effectiveWait: WaitSpec { wait ?? (seed || login != nil ? .ssh : .none) }
    public var isService: Bool { replicas != nil }
}

/// One problem in the compose file.
public struct Diagnostic: Sendable, Equatable, CustomStringConvertible {
    public var mark: Mark?
    /// Key path, e.g. `guests.web.networks[0].ip`.
    public var path: String
    public var message: String
    public init(mark: Mark?, path: String, message: String) { self.mark = mark; self.path = path; self.message = message }
    public var description: String {
        "\(mark.map { "\($0): " } ?? "")error: \(message)\(path.isEmpty ? "" : " (at \(path))")"
    }
}

/// All problems of a compose file, reported together.
public struct ComposeError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]
    public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
    /// Each diagnostic a problem of its own (with `--format json`, one object per problem, its
    /// file:line:column as the object), under one headline.
    public var asTBError: TBError {
        TBError(.invalidInput, "\(plural(diagnostics.count, "error")) in the compose file",
                problems: diagnostics.map { d in
                    TBError(.invalidInput, d.message + (d.path.isEmpty ? "" : " (at \(d.path))"), object: d.mark.map { "\($0)" })
                })
    }
}
