import Testing
@testable import Compose

@Suite struct KeyAndTypeTests {
    @Test func unknownKeysSuggestNearMisses() throws {
        let f = try Fixture()
        try f.write("demo.qcow2")
        #expect(f.errors(minimalImage + """
        guests:
          web:
            imgae: demo
            CPUS: 2
            flavour: big
        netwroks: {}
        """) == [
            "5:5 guests.web.imgae: unknown key `imgae`; did you mean `image`?",
            "6:5 guests.web.CPUS: unknown key `CPUS`; did you mean `cpus`?",
            "7:5 guests.web.flavour: unknown key `flavour`",
            "8:1 netwroks: unknown key `netwroks`; did you mean `networks`?",
            "4:3 guests.web: missing required key `image`",
        ].sorted(by: byPosition))
    }

    @Test func extensionKeysOnlyAtTopLevel() throws {
        let f = try Fixture()
        try f.write("demo.qcow2")
        #expect(f.errors(minimalImage + """
        x-anchors: {anything: [1, 2]}
        guests:
          web: {image: demo, x-note: hi}
        """) == ["5:22 guests.web.x-note: unknown key `x-note`"])
    }

    @Test func unknownKeysInNestedMappings() throws {
        let f = try Fixture()
        try f.write("demo.qcow2")
        #expect(f.errors(minimalImage + """
        management: {subnet: 10.1.0.0/16, size: 2}
        networks:
          lan: {subnet: 10.0.0.0/24, gw: 10.0.0.1}
        hosts:
          main: {acel: tcg}
        guests:
          web:
            image: demo
            networks: [{network: lan, addr: 10.0.0.9}]
            golden: {setpu: x.sh}
            replicas: 2
        """) == [
            "3:35 management.size: unknown key `size`",
            "5:30 networks.lan.gw: unknown key `gw`",
            "7:10 hosts.main.acel: unknown key `acel`; did you mean `accel`?",
            "11:31 guests.web.networks[0].addr: unknown key `addr`",
            "12:14 guests.web.golden.setpu: unknown key `setpu`; did you mean `setup`?",
            "12:5 guests.web.golden: missing required key `setup`",
        ].sorted(by: byPosition))
    }

    @Test func wrongTypes() throws {
        let f = try Fixture()
        try f.write("demo.qcow2")
        #expect(f.errors(minimalImage + """
        networks:
          lan: {subnet: 10.0.0.0/24}
        guests:
          web:
            image: demo
            cpus: "two"
            networks: {lan: 1}
            replicas: many
          db:
            image: [demo]
            memory: {size: 1}
            env: [A]
            files: /srv
        """) == [
            "8:11 guests.web.cpus: expected an integer, got a string (\"two\")",
            "9:15 guests.web.networks: expected a list, got a mapping",
            "10:15 guests.web.replicas: expected an integer, got a string (\"many\")",
            "12:12 guests.db.image: expected a string, got a list",
            "13:13 guests.db.memory: invalid size a mapping: use MiB as a plain number, or a number with a unit: 512MiB, 1.5GiB (K, M, G, T, with or without iB)",
            "14:10 guests.db.env: expected a mapping, got a list",
            "15:12 guests.db.files: expected a mapping, got a string (\"/srv\")",
        ])
    }

    @Test func wrongSectionTypes() throws {
        let f = try Fixture()
        #expect(f.errors("hosts: [main]\nguests: 3\nproject: {a: 1}\n") == [
            "1:8 hosts: expected a mapping of names to definitions, got a list",
            "2:9 guests: expected a mapping of names to definitions, got an integer (\"3\")",
            "3:10 project: expected a string, got a mapping",
        ])
    }

    @Test func networkEntryOfTheWrongShape() throws {
        let f = try Fixture()
        try f.write("demo.qcow2")
        #expect(f.errors(minimalImage + """
        networks: {lan: {subnet: 10.0.0.0/24}}
        guests:
          web: {image: demo, networks: [[lan], {ip: 10.0.0.5}, ~]}
        """) == [
            "5:33 guests.web.networks[0]: expected a network name or {network, ip, mac}, got a list",
            "5:40 guests.web.networks[1]: missing required key `network`",
            "5:56 guests.web.networks[2]: expected a network name or {network, ip, mac}, got null",
        ])
    }

    @Test func minimumsAndChoices() throws {
        let f = try Fixture()
        try f.write("demo.qcow2")
        #expect(f.errors("""
        images:
          demo: ./demo.qcow2
          other: {source: ./demo.qcow2, format: vmdk}
        hosts:
          main: {accel: kvm2, datapath: dpdk, cpus: 0}
        networks:
          lan: {subnet: 10.0.0.0/24, tunnel: vxlna}
        guests:
          web: {image: demo, cpus: 0, memory: 32, replicas: -1, disk: 100K}
        """) == [
            "3:41 images.other.format: `vmdk` is not one of `qcow2`, `raw`",
            "5:17 hosts.main.accel: `kvm2` is not one of `kvm`, `tcg`; did you mean `kvm`?",
            "5:33 hosts.main.datapath: `dpdk` is not one of `system`, `netdev`",
            "5:45 hosts.main.cpus: must be at least 1, got 0",
            "7:38 networks.lan.tunnel: `vxlna` is not one of `vxlan`, `geneve`, `gre`; did you mean `vxlan`?",
            "9:28 guests.web.cpus: must be at least 1, got 0",
            "9:39 guests.web.memory: must be at least 64 MiB, got 32 MiB",
            "9:53 guests.web.replicas: must be at least 0, got -1",
            "9:63 guests.web.disk: must be at least 1 MiB, got 102400 bytes",
        ])
    }
}

/// Diagnostics come sorted by line, then column.
func byPosition(_ a: String, _ b: String) -> Bool {
    func key(_ s: String) -> (Int, Int) {
        let parts = s.split(separator: " ")[0].split(separator: ":").compactMap { Int($0) }
        return (parts.first ?? 0, parts.dropFirst().first ?? 0)
    }
    return key(a) < key(b)
}
