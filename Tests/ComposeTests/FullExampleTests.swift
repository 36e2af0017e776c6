import ComposeModel
import Core
import Testing
import YAML
@testable import Compose

@Suite struct FullExampleTests {
    private func fullExample(_ f: Fixture) throws -> ComposeFile {
        for file in ["images/demo.qcow2", "keys/rack", "scripts/db.sh", "scripts/web.sh", "scripts/golden-web.sh", "site/index.html"] {
            try f.write(file)
        }
        try f.write("extra.yaml", "#cloud-config\npackages: [curl]\n")
        return try f.load("""
        project: lab-1
        user: tester
        management: {subnet: 10.120.0.0/16}
        x-defaults: &small {cpus: 1, memory: 128}
        hosts:
          main:
            uri: qemu:///system
            accel: tcg
            datapath: netdev
            tunnel_ip: 10.77.0.1
            cpus: 8
            memory: 16GiB
          rack2:
            ssh: admin@10.77.0.12:2222
            identity: keys/rack
        images:
          debian12:
            source: ./images/demo.qcow2
            sha256: 3F1C000000000000000000000000000000000000000000000000000000000ABC
            format: qcow2
          remote: https://example.org/x.qcow2
        networks:
          lan: {subnet: 10.10.0.0/24}
          dmz: {subnet: 10.20.0.0/24, gateway: 10.20.0.1, tunnel: geneve}
        guests:
          db:
            image: debian12
            cpus: 2
            memory: 1GiB
            disk: 8GiB
            host: rack2
            networks: [lan, {network: dmz, ip: 10.20.0.5, mac: "52:54:00:AA:00:05"}]
            setup: scripts/db.sh
            files: {./site: /srv/site, scripts/db.sh: /root/db.sh}
            env: {ROLE: db, PORT: 5432, DEBUG: true, RATIO: 1.50}
            user_data: extra.yaml
          web:
            <<: *small
            image: remote
            replicas: 3
            golden: {setup: scripts/golden-web.sh}
            networks: [lan]
            setup: scripts/web.sh
        """)
    }

    @Test func decodesEverySection() throws {
        let f = try Fixture()
        let c = try fullExample(f)
        #expect(c.path == f.composePath)
        #expect(c.project == "lab-1")
        #expect(c.user == "tester")
        #expect(c.management.subnet.description == "10.120.0.0/16")
        #expect(c.management.mark?.line == 3)
    }

    @Test func decodesHosts() throws {
        let f = try Fixture()
        let hosts = try fullExample(f).hosts
        #expect(hosts.map(\.name) == ["main", "rack2"])
        let main = hosts[0], rack = hosts[1]
        #expect(main.mark == Mark(file: f.composePath, line: 6, column: 3))
        #expect(main.uri == "qemu:///system" && main.ssh == nil && main.identity == nil)
        #expect(main.accel == .tcg && main.datapath == .netdev)
        #expect(main.tunnelIP == IPv4("10.77.0.1") && main.cpus == 8 && main.memoryMiB == 16384)
        #expect(rack.ssh == HostSpec.SSHTarget(user: "admin", address: "10.77.0.12", port: 2222))
        #expect(rack.identity == f.dir + "/keys/rack")
        #expect(rack.tunnelIP == IPv4("10.77.0.12"))
        #expect(rack.accel == .kvm && rack.datapath == .system && rack.uri == nil)
    }

    @Test func decodesImagesAndNetworks() throws {
        let f = try Fixture()
        let c = try fullExample(f)
        #expect(c.images.map(\.name) == ["debian12", "remote"])
        #expect(c.images[0].source == f.dir + "/images/demo.qcow2")
        #expect(c.images[0].sha256 == "3f1c000000000000000000000000000000000000000000000000000000000abc")
        #expect(c.images[0].format == .qcow2)
        #expect(c.images[1].source == "https://example.org/x.qcow2" && c.images[1].sha256 == nil && c.images[1].format == nil)
        #expect(c.networks.map(\.name) == ["lan", "dmz"])
        #expect(c.networks[0].subnet.description == "10.10.0.0/24" && c.networks[0].gateway == nil && c.networks[0].tunnel == .vxlan)
        #expect(c.networks[1].gateway == IPv4("10.20.0.1") && c.networks[1].tunnel == .geneve)
    }

    @Test func decodesASingleGuest() throws {
        let f = try Fixture()
        let db = try #require(try fullExample(f).guests.first)
        #expect(db.name == "db" && db.image == "debian12" && db.cpus == 2 && db.memoryMiB == 1024)
        #expect(db.diskBytes == 8 << 30 && db.host == "rack2" && !db.isService)
        #expect(db.networks.map(\.network) == ["lan", "dmz"])
        #expect(db.networks[1].ip == IPv4("10.20.0.5") && db.networks[1].mac == MAC("52:54:00:aa:00:05"))
        #expect(db.networks[0].ip == nil && db.networks[0].mac == nil)
        #expect(db.setup == f.dir + "/scripts/db.sh")
        #expect(db.files == [FileSpec(source: f.dir + "/site", destination: "/srv/site"),
                             FileSpec(source: f.dir + "/scripts/db.sh", destination: "/root/db.sh")])
        #expect(db.env.map { "\($0.key)=\($0.value)" } == ["ROLE=db", "PORT=5432", "DEBUG=true", "RATIO=1.50"])
        #expect(db.userData == f.dir + "/extra.yaml")
        #expect(db.mark == Mark(file: f.composePath, line: 26, column: 3))
    }

    @Test func decodesAServiceWithMergedDefaults() throws {
        let f = try Fixture()
        let web = try #require(try fullExample(f).guests.last)
        #expect(web.name == "web" && web.isService && web.replicas == 3)
        #expect(web.replicasMark == Mark(file: f.composePath, line: 40, column: 15))
        #expect(web.cpus == 1 && web.memoryMiB == 128)
        #expect(web.goldenSetup == f.dir + "/scripts/golden-web.sh")
        #expect(web.setup == f.dir + "/scripts/web.sh")
        #expect(web.networks.map(\.network) == ["lan"])
    }
}
