import Core
import Testing
@testable import Compose

@Suite struct HostTests {
    @Test func maxBootingIsAPositiveInteger() throws {
        let f = try Fixture()
        #expect(f.errors("""
        hosts:
          main: {max_booting: 0}
          a: {ssh: root@10.77.0.2, max_booting: many}
        """) == [
            "2:3 hosts.main.tunnel_ip: the master host `main` needs `tunnel_ip:` when the testbed has several hosts",
            "2:23 hosts.main.max_booting: must be at least 1, got 0",
            "3:41 hosts.a.max_booting: expected an integer, got a string (\"many\")",
        ])
    }

    @Test func masterMustBeLocalAndOthersRemote() throws {
        let f = try Fixture()
        #expect(f.errors("""
        hosts:
          rack1: {ssh: root@10.77.0.11}
          rack2: {tunnel_ip: 10.77.0.12}
        """) == [
            "2:16 hosts.rack1.ssh: the first host, `rack1`, is the master (where tbctl runs) and must be local: remove `ssh:` or list a local host first",
            "3:3 hosts.rack2: host `rack2` needs `ssh: user@address`: only the first host (the master) is local",
        ])
    }

    @Test func severalHostsNeedDistinctTunnelAddresses() throws {
        let f = try Fixture()
        #expect(f.errors("""
        hosts:
          main: {}
          a: {ssh: root@rack-a.lab}
          b: {ssh: root@10.77.0.2}
          c: {ssh: root@10.77.0.9, tunnel_ip: 10.77.0.2}
        """) == [
            "2:3 hosts.main.tunnel_ip: the master host `main` needs `tunnel_ip:` when the testbed has several hosts",
            "3:3 hosts.a.tunnel_ip: host `a` needs `tunnel_ip:`: its ssh address `rack-a.lab` is not an IPv4 address",
            "5:39 hosts.c.tunnel_ip: tunnel address 10.77.0.2 is already used by host `b`; each host needs its own",
        ])
    }

    @Test func sshTargetsAndURIs() throws {
        let f = try Fixture()
        #expect(f.errors("""
        hosts:
          main: {tunnel_ip: 10.77.0.1, uri: "qemu/system", identity: ~/.ssh/id_ed25519}
          a: {ssh: 10.77.0.2}
          b: {ssh: "root@10.77.0.3:99999"}
          c: {ssh: "root@bad_host"}
          d: {ssh: root@10.77.0.4:2200, uri: "qemu+ssh://root@10.77.0.4:2200/system", tunnel_ip: 10.77.0.44}
        """) == [
            "2:37 hosts.main.uri: invalid libvirt URI `qemu/system`: expected one like qemu:///system or qemu+ssh://root@host/system",
            "2:52 hosts.main.identity: `identity` is only for remote hosts (with `ssh:`)",
            "3:12 hosts.a.ssh: invalid ssh target `10.77.0.2`: expected user@address[:port], like root@10.77.0.12",
            "4:12 hosts.b.ssh: invalid ssh target `root@10.77.0.3:99999`: expected user@address[:port], like root@10.77.0.12",
            "5:12 hosts.c.ssh: invalid ssh target `root@bad_host`: expected user@address[:port], like root@10.77.0.12",
        ])
    }

    @Test func sshParsing() {
        #expect(HostsDecoder.parseSSH("root@10.0.0.1") == .init(user: "root", address: "10.0.0.1", port: 22))
        #expect(HostsDecoder.parseSSH("ops@rack2.lab:2222") == .init(user: "ops", address: "rack2.lab", port: 2222))
        #expect(HostsDecoder.parseSSH("@h") == nil)
        #expect(HostsDecoder.parseSSH("root@") == nil)
        #expect(HostsDecoder.parseSSH("root@h:") == nil)
        #expect(HostsDecoder.parseSSH("root@h:0") == nil)
        #expect(HostsDecoder.parseSSH("root@-h") == nil)
    }

    @Test func multihostLoads() throws {
        let f = try Fixture()
        let c = try f.load("""
        hosts:
          main: {tunnel_ip: 10.77.0.1, accel: tcg}
          h1: {ssh: root@10.77.0.11}
          h2: {ssh: "root@h2.lab:22", tunnel_ip: 10.77.0.12}
        """)
        #expect(c.hosts.map(\.name) == ["main", "h1", "h2"])
        #expect(c.hosts.map(\.tunnelIP) == [IPv4("10.77.0.1"), IPv4("10.77.0.11"), IPv4("10.77.0.12")])
    }
}
