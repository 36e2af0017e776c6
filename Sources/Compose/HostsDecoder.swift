import ComposeModel
import Core
import Vocabulary
import YAML

/// `hosts:`: where guests run. The first host is the master (tbctl runs there, it is local);
/// the others are reached over SSH. Cross-host rules are in HostRules.
enum HostsDecoder {
    static let keys = ["uri", "ssh", "identity", "tunnel_ip", "accel", "datapath", "cpus", "memory", "max_booting"]

    /// Without `hosts:` (or with an empty one), one local host `main` with all defaults.
    static func decode(_ node: Node?, ctx: DecodeContext) -> [HostDraft] {
        let entries = Fields.entries(of: node, .root.key("hosts"), ctx: ctx)
        guard !entries.isEmpty else {
            return [HostDraft(spec: defaults("main", mark: nil), keyMark: Mark(file: ctx.file, line: 1, column: 1),
                              path: .root.key("hosts").key("main"))]
        }
        return entries.map { host($0, ctx: ctx) }
    }

    private static func defaults(_ name: String, mark: Mark?) -> HostSpec {
        HostSpec(name: name, mark: mark, uri: nil, ssh: nil, identity: nil, tunnelIP: nil,
                 accel: .kvm, datapath: .system, cpus: nil, memoryMiB: nil)
    }

    /// Always a draft, even when its body is wrong, so that guests naming it are not also
    /// reported as pointing at an unknown host.
    private static func host(_ e: NamedEntry, ctx: DecodeContext) -> HostDraft {
        if !Names.isObject(e.name) { ctx.error(e.keyMark, e.path, "invalid host name `\(e.name)`: \(Names.objectRule)") }
        var spec = defaults(e.name, mark: e.keyMark)
        guard let f = Fields(e.value, e.path, allowed: keys, ctx: ctx) else {
            return HostDraft(spec: spec, keyMark: e.keyMark, path: e.path, sshMark: nil)
        }
        spec.uri = f["uri"].flatMap { uri($0, e.path.key("uri"), ctx: ctx) }
        spec.ssh = f["ssh"].flatMap { ssh($0, e.path.key("ssh"), ctx: ctx) }
        // Without the key the spec keeps the documented default (`defaults`); a wrong word is an error.
        if let node = f["accel"], let accel = Values.choice(node, e.path.key("accel"), Accel.self, ctx: ctx) { spec.accel = accel }
        if let node = f["datapath"], let dp = Values.choice(node, e.path.key("datapath"), Datapath.self, ctx: ctx) { spec.datapath = dp }
        spec.cpus = f["cpus"].flatMap { Values.int($0, e.path.key("cpus"), min: 1, ctx: ctx) }
        spec.maxBooting = f["max_booting"].flatMap { Values.int($0, e.path.key("max_booting"), min: 1, ctx: ctx) }
        spec.memoryMiB = f["memory"].flatMap { Sizes.mebibytes($0, e.path.key("memory"), min: 1, ctx: ctx) }
        var draft = HostDraft(spec: spec, keyMark: e.keyMark, path: e.path, sshMark: f["ssh"]?.mark)
        draft.spec.identity = identity(f, draft, ctx: ctx)
        draft.tunnel = tunnel(f, draft, ctx: ctx)
        draft.spec.tunnelIP = draft.tunnel?.value
        return draft
    }

    /// Remote hosts only; default ~/.ssh/id_ed25519, which must exist like a written one.
    private static func identity(_ f: Fields, _ d: HostDraft, ctx: DecodeContext) -> String? {
        let path = d.path.key("identity")
        if let node = f["identity"] {
            guard d.sshMark != nil else {
                ctx.error(f.keyMark("identity"), path, "`identity` is only for remote hosts (with `ssh:`)")
                return nil
            }
            return PathRules.existing(node, path, .file, what: "identity file", ctx: ctx)
        }
        guard let sshMark = d.sshMark, d.spec.ssh != nil else { return nil }
        return PathRules.existing(raw: "~/.ssh/id_ed25519", mark: sshMark, path, .file,
                                  what: "identity file (default, set `identity:` to use another)", ctx: ctx)
    }

    /// `tunnel_ip:`, else the ssh address when it is an IPv4 address.
    private static func tunnel(_ f: Fields, _ d: HostDraft, ctx: DecodeContext) -> Located<IPv4>? {
        let path = d.path.key("tunnel_ip")
        if let node = f["tunnel_ip"] {
            return Addresses.ipv4(node, path, ctx: ctx).map { Located(value: $0, mark: node.mark, path: path) }
        }
        guard let ssh = d.spec.ssh, let ip = IPv4(ssh.address), let mark = d.sshMark else { return nil }
        return Located(value: ip, mark: mark, path: d.path.key("ssh"))
    }

    /// `user@address[:port]`; the address is an IPv4 address or a DNS name.
    static func ssh(_ node: Node, _ path: KeyPath, ctx: DecodeContext) -> HostSpec.SSHTarget? {
        guard let s = Values.string(node, path, ctx: ctx) else { return nil }
        guard let target = parseSSH(s) else {
            ctx.error(node.mark, path, "invalid ssh target `\(s)`: expected user@address[:port], like root@10.77.0.12")
            return nil
        }
        return target
    }

    static func parseSSH(_ s: String) -> HostSpec.SSHTarget? {
        let at = s.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false)
        guard at.count == 2, Names.isUser(String(at[0])) else { return nil }
        let hostPort = at[1].split(separator: ":", omittingEmptySubsequences: false)
        guard (1...2).contains(hostPort.count), isAddress(hostPort[0]) else { return nil }
        var port = 22
        if hostPort.count == 2 {
            guard hostPort[1].allSatisfy(\.isASCII), let p = Int(hostPort[1]), (1...65535).contains(p) else { return nil }
            port = p
        }
        return HostSpec.SSHTarget(user: String(at[0]), address: String(hostPort[0]), port: port)
    }

    /// Dotted labels of letters, digits and '-' (which covers dotted quads too).
    private static func isAddress(_ s: Substring) -> Bool {
        let labels = s.split(separator: ".", omittingEmptySubsequences: false)
        return !s.isEmpty && s.count <= 253 && labels.allSatisfy { l in
            !l.isEmpty && l.count <= 63 && !l.hasPrefix("-") && !l.hasSuffix("-")
                && l.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }

    /// An explicit libvirt URI: `scheme://...` (qemu:///system, qemu+ssh://root@h/system).
    private static func uri(_ node: Node, _ path: KeyPath, ctx: DecodeContext) -> String? {
        guard let s = Values.string(node, path, ctx: ctx) else { return nil }
        let scheme = s.prefix { $0.isASCII && ($0.isLetter || $0.isNumber || "+.-".contains($0)) }
        guard !scheme.isEmpty, scheme.first!.isLetter, s.dropFirst(scheme.count).hasPrefix("://"),
              !s.contains(where: \.isWhitespace) else {
            ctx.error(node.mark, path, "invalid libvirt URI `\(s)`: expected one like qemu:///system or qemu+ssh://root@host/system")
            return nil
        }
        return s
    }
}
