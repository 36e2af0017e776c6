import ComposeModel
import Core
import Vocabulary
import YAML

/// A value and where it was written, for checks that need the whole file (references,
/// addresses) and must still point at the exact value.
struct Located<Value> {
    var value: Value
    var mark: Mark
    var path: KeyPath
}

/// A host as read, with what the cross-host checks need.
struct HostDraft {
    var spec: HostSpec
    var keyMark: Mark
    var path: KeyPath
    var sshMark: Mark?
    /// The tunnel address and where it comes from: `tunnel_ip:` or, by default, `ssh:`.
    var tunnel: Located<IPv4>?
}

struct NetworkDraft {
    var name: String
    var keyMark: Mark
    var path: KeyPath
    var subnet: Located<Subnet>?
    var gateway: Located<IPv4>?
    var tunnel: TunnelKind

    var spec: NetworkSpec? {
        subnet.map { NetworkSpec(name: name, mark: keyMark, subnet: $0.value, gateway: gateway?.value, tunnel: tunnel) }
    }
}

struct NICDraft {
    var mark: Mark
    var path: KeyPath
    var network: Located<String>?
    var ip: Located<IPv4>?
    var mac: Located<MAC>?

    var spec: NICSpec? {
        network.map { NICSpec(network: $0.value, mark: mark, ip: ip?.value, mac: mac?.value) }
    }
}

/// A guest as read: the spec's plain fields plus its references, located.
struct GuestDraft {
    var name: String
    var keyMark: Mark
    var path: KeyPath
    var image: Located<String>?
    var host: Located<String>?
    var nics: [NICDraft] = []
    var cpus = 1
    var memoryMiB = 512
    var diskBytes: Int64?
    var setup: String?
    var files: [FileSpec] = []
    var env: [(key: String, value: String)] = []
    var userData: String?
    var replicas: Int?
    var replicasMark: Mark?
    var goldenSetup: String?
    var seed = true
    var login: LoginSpec?
    var wait: WaitSpec?
    var fullCopy = false

    /// NICs this guest puts on a network: one per entry, or one per clone for a service.
    var copies: Int { replicas ?? 1 }

    var spec: GuestSpec {
        var s = GuestSpec(name: name, mark: keyMark, image: image?.value ?? "", cpus: cpus, memoryMiB: memoryMiB,
                  diskBytes: diskBytes, host: host?.value, networks: nics.compactMap(\.spec), setup: setup,
                  files: files, env: env, userData: userData, replicas: replicas, replicasMark: replicasMark,
                  goldenSetup: goldenSetup)
        s.seed = seed; s.login = login; s.wait = wait; s.fullCopy = fullCopy
        return s
    }
}
