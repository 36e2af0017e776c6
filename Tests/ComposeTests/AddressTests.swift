import Testing
@testable import Compose

@Suite struct AddressTests {
    private func fixture() throws -> Fixture {
        let f = try Fixture()
        try f.write("demo.qcow2")
        return f
    }

    @Test func badSubnets() throws {
        let f = try fixture()
        #expect(f.errors("""
        networks:
          a: {subnet: 10.0.0.5/24}
          b: {subnet: 10.0.0.0/33}
          c: {subnet: 10.0.0.0}
          d: {subnet: 300.0.0.0/8}
          e: {gateway: 10.0.0.1}
        management: {subnet: 10.9.1.0/16}
        """) == [
            "2:15 networks.a.subnet: subnet `10.0.0.5/24` has host bits set; did you mean `10.0.0.0/24`?",
            "3:15 networks.b.subnet: invalid subnet `10.0.0.0/33`: expected CIDR notation like 10.0.0.0/24",
            "4:15 networks.c.subnet: invalid subnet `10.0.0.0`: expected CIDR notation like 10.0.0.0/24",
            "5:15 networks.d.subnet: invalid subnet `300.0.0.0/8`: expected CIDR notation like 10.0.0.0/24",
            "6:3 networks.e: missing required key `subnet`",
            "7:22 management.subnet: subnet `10.9.1.0/16` has host bits set; did you mean `10.9.0.0/16`?",
        ])
    }

    @Test func badAddresses() throws {
        let f = try fixture()
        #expect(f.errors(minimalImage + """
        networks:
          lan: {subnet: 10.0.0.0/24, gateway: 10.0.0.256}
        guests:
          a:
            image: demo
            networks:
              - {network: lan, ip: 10.0.0.1.2, mac: "52:54:00:zz:00:01"}
              - {network: lan, ip: 10.0.0.05, mac: "01:00:5e:00:00:01"}
              - {network: lan, mac: "52:54:00:00:01"}
        """) == [
            "4:39 networks.lan.gateway: invalid IPv4 address `10.0.0.256`: expected four numbers 0-255 like 10.0.0.5",
            "9:28 guests.a.networks[0].ip: invalid IPv4 address `10.0.0.1.2`: expected four numbers 0-255 like 10.0.0.5",
            "9:45 guests.a.networks[0].mac: invalid MAC address `52:54:00:zz:00:01`: expected six hex pairs like 52:54:00:12:34:56",
            "10:28 guests.a.networks[1].ip: invalid IPv4 address `10.0.0.05`: expected four numbers 0-255 like 10.0.0.5",
            "10:44 guests.a.networks[1].mac: MAC address `01:00:5e:00:00:01` is multicast (its first byte is odd); use a unicast one like 52:54:00:12:34:56",
            "11:29 guests.a.networks[2].mac: invalid MAC address `52:54:00:00:01`: expected six hex pairs like 52:54:00:12:34:56",
        ])
    }

    @Test func duplicateAddresses() throws {
        let f = try fixture()
        #expect(f.errors(minimalImage + """
        networks:
          lan: {subnet: 10.0.0.0/24}
          dmz: {subnet: 10.1.0.0/24}
        guests:
          a: {image: demo, networks: [{network: lan, ip: 10.0.0.5, mac: "52:54:00:00:00:01"}]}
          b: {image: demo, networks: [{network: lan, ip: 10.0.0.5}, {network: dmz, mac: "52:54:00:00:00:01"}]}
          c: {image: demo, networks: [{network: dmz, ip: 10.0.0.5}]}
          d: {image: demo, networks: [{network: lan, ip: 10.0.0.6}, {network: dmz, ip: 10.1.0.5}]}
        """) == [
            "8:50 guests.b.networks[0].ip: address 10.0.0.5 is already used on network `lan` by guest `a` (line 7, column 50)",
            "8:81 guests.b.networks[1].mac: MAC address 52:54:00:00:00:01 is already used by guest `a` (line 7, column 65)",
            "9:50 guests.c.networks[0].ip: address 10.0.0.5 is outside network `dmz` (10.1.0.0/24)",
        ])
    }

    @Test func reservedAddresses() throws {
        let f = try fixture()
        #expect(f.errors(minimalImage + """
        networks:
          lan: {subnet: 10.0.0.0/24, gateway: 10.0.0.1}
          p2p: {subnet: 10.2.0.0/31}
        guests:
          a:
            image: demo
            networks:
              - {network: lan, ip: 10.0.0.0}
              - {network: lan, ip: 10.0.0.255}
              - {network: lan, ip: 10.0.0.1}
              - {network: p2p, ip: 10.2.0.0}
              - {network: p2p, ip: 10.2.0.1}
        """) == [
            "10:28 guests.a.networks[0].ip: address 10.0.0.0 is the network address of network `lan` (10.0.0.0/24)",
            "11:28 guests.a.networks[1].ip: address 10.0.0.255 is the broadcast address of network `lan` (10.0.0.0/24)",
            "12:28 guests.a.networks[2].ip: address 10.0.0.1 is the gateway of network `lan`",
        ])
    }

    @Test func gatewayMustBeAHostAddressOfItsSubnet() throws {
        let f = try fixture()
        #expect(f.errors("""
        networks:
          a: {subnet: 10.0.0.0/24, gateway: 10.0.1.1}
          b: {subnet: 10.1.0.0/24, gateway: 10.1.0.0}
          c: {subnet: 10.2.0.0/24, gateway: 10.2.0.255}
        """) == [
            "2:37 networks.a.gateway: gateway 10.0.1.1 is outside the subnet 10.0.0.0/24",
            "3:37 networks.b.gateway: gateway 10.1.0.0 is the network address of 10.1.0.0/24",
            "4:37 networks.c.gateway: gateway 10.2.0.255 is the broadcast address of 10.2.0.0/24",
        ])
    }

    @Test func subnetTooSmallCountsClonesAndGateway() throws {
        let f = try fixture()
        #expect(f.errors(minimalImage + """
        networks:
          tiny: {subnet: 10.0.0.0/29, gateway: 10.0.0.1}
          small: {subnet: 10.1.0.0/30}
          ok: {subnet: 10.2.0.0/30}
        guests:
          web: {image: demo, replicas: 5, networks: [tiny, small]}
          db: {image: demo, networks: [tiny, ok, ok]}
        """) == [
            "4:18 networks.tiny.subnet: subnet 10.0.0.0/29 has 6 usable addresses, but network `tiny` needs 7: 6 guest NICs and the gateway",
            "5:19 networks.small.subnet: subnet 10.1.0.0/30 has 2 usable addresses, but network `small` needs 5: for 5 guest NICs",
        ])
    }

    @Test func exactFitIsAccepted() throws {
        let f = try fixture()
        let c = try f.load(minimalImage + """
        networks:
          tiny: {subnet: 10.0.0.0/29, gateway: 10.0.0.1}
        guests:
          web: {image: demo, replicas: 5, networks: [tiny]}
        """)
        #expect(c.networks.count == 1)
    }

    @Test func servicesTakeNoFixedAddresses() throws {
        let f = try fixture()
        #expect(f.errors(minimalImage + """
        networks:
          lan: {subnet: 10.0.0.0/24}
        guests:
          web:
            image: demo
            networks: [{network: lan, ip: 10.0.0.5, mac: "52:54:00:00:00:01"}]
            replicas: 2
        """) == [
            "8:31 guests.web.networks[0].ip: `ip` cannot be set on a service's network: each clone gets its own from the address pool",
            "8:45 guests.web.networks[0].mac: `mac` cannot be set on a service's network: each clone gets its own from the address pool",
        ])
    }
}
