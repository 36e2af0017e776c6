import Core
import Testing
@testable import Compose

@Suite struct ManagementTests {
    @Test func defaultIsDerivedFromTheProject() throws {
        let f = try Fixture()
        // fnv1a64("quickstart") % 100 = 60, computed independently.
        #expect(try f.load("project: quickstart\n").management.subnet.description == "10.160.0.0/16")
        #expect(ProjectDecoder.defaultSubnet(project: "lab").description == "10.156.0.0/16")
    }

    @Test func prefixMustLeaveAPerHostSlash24() throws {
        let f = try Fixture()
        #expect(f.errors("management: {subnet: 10.1.0.0/25}\n") ==
                ["1:22 management.subnet: management subnet 10.1.0.0/25 is too small: its prefix must be /24 or shorter (each host gets a /24)"])
        #expect(f.errors("""
        management: {subnet: 10.1.0.0/23}
        hosts:
          main: {tunnel_ip: 10.77.0.1}
          a: {ssh: root@10.77.0.2}
          b: {ssh: root@10.77.0.3}
        """) == ["1:22 management.subnet: management subnet 10.1.0.0/23 has room for 2 hosts (one /24 each), but the testbed has 3"])
    }

    @Test func managementMustNotOverlapGuestNetworks() throws {
        let f = try Fixture()
        #expect(f.errors("""
        project: lab
        networks:
          lan: {subnet: 10.156.3.0/24}
          wide: {subnet: 10.0.0.0/8}
          ok: {subnet: 192.168.0.0/24}
        """) == [
            "3:17 networks.lan.subnet: subnet 10.156.3.0/24 of network `lan` overlaps the management subnet 10.156.0.0/16; pick another subnet or set `management: {subnet: ...}`",
            "4:18 networks.wide.subnet: subnet 10.0.0.0/8 of network `wide` overlaps the management subnet 10.156.0.0/16; pick another subnet or set `management: {subnet: ...}`",
        ])
    }

    @Test func missingSubnet() throws {
        let f = try Fixture()
        #expect(f.errors("management: {}\n") == ["1:1 management: missing required key `subnet`"])
    }
}

@Suite struct TTLTests {
    @Test func ttlIsADurationWithUnits() throws {
        let f = try Fixture()
        #expect(try f.load("ttl: 2h\n").ttl == 7200)
        #expect(try f.load("ttl: 1h30m\n").ttl == 5400)
        #expect(try f.load("project: lab\n").ttl == nil)
        #expect(f.errors("ttl: 30\n") == ["1:6 ttl: invalid ttl `30`: give a unit: 30m or 30h"])
        #expect(f.errors("ttl: 2w\n") == ["1:6 ttl: invalid ttl `2w`: unknown unit `w` (use s, m, h or d: 90m, 2h, 1d)"])
    }
}
