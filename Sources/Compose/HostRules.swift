import Core

/// Rules across hosts: the master is local and first, every other host is remote, and with
/// several hosts each has its own tunnel address (the guest networks are joined by tunnels
/// between these addresses).
enum HostRules {
    static func check(_ hosts: [HostDraft], ctx: DecodeContext) {
        for (i, h) in hosts.enumerated() {
            if i == 0, let mark = h.sshMark {
                ctx.error(mark, h.path.key("ssh"), "the first host, `\(h.spec.name)`, is the master (where tbctl runs) and must be local: remove `ssh:` or list a local host first")
            }
            if i > 0 && h.sshMark == nil {
                ctx.error(h.keyMark, h.path, "host `\(h.spec.name)` needs `ssh: user@address`: only the first host (the master) is local")
            }
        }
        guard hosts.count > 1 else { return }
        for (i, h) in hosts.enumerated() where h.tunnel == nil {
            missingTunnel(h, isMaster: i == 0, ctx: ctx)
        }
        distinctTunnels(hosts, ctx: ctx)
    }

    private static func missingTunnel(_ h: HostDraft, isMaster: Bool, ctx: DecodeContext) {
        let path = h.path.key("tunnel_ip")
        if isMaster {
            ctx.error(h.keyMark, path, "the master host `\(h.spec.name)` needs `tunnel_ip:` when the testbed has several hosts")
        } else if let ssh = h.spec.ssh {
            ctx.error(h.keyMark, path, "host `\(h.spec.name)` needs `tunnel_ip:`: its ssh address `\(ssh.address)` is not an IPv4 address")
        }
        // A remote host without a valid `ssh:` already has its own error.
    }

    private static func distinctTunnels(_ hosts: [HostDraft], ctx: DecodeContext) {
        var first: [IPv4: HostDraft] = [:]
        for h in hosts {
            guard let t = h.tunnel else { continue }
            if let other = first[t.value] {
                ctx.error(t.mark, t.path, "tunnel address \(t.value) is already used by host `\(other.spec.name)`; each host needs its own")
            } else {
                first[t.value] = h
            }
        }
    }
}
