import Core
import Testing
@testable import Compose

@Suite struct DefaultsTests {
    @Test func minimalFileGetsEveryDefault() throws {
        let f = try Fixture()
        try f.write("demo.qcow2")
        let c = try f.load(minimalImage + "guests:\n  solo:\n    image: demo\n")
        #expect(c.project == "lab")
        #expect(c.user == "root")
        // 10.(100 + fnv1a64("lab") % 100).0.0/16, computed independently: 156.
        #expect(c.management.subnet.description == "10.156.0.0/16")
        #expect(c.management.mark == nil)
        #expect(c.hosts.count == 1)
        let h = c.hosts[0]
        #expect(h.name == "main" && h.uri == nil && h.ssh == nil && h.identity == nil && h.tunnelIP == nil)
        #expect(h.accel == .kvm && h.datapath == .system && h.cpus == nil && h.memoryMiB == nil)
        let g = c.guests[0]
        #expect(g.cpus == 1 && g.memoryMiB == 512 && g.diskBytes == nil && g.host == nil)
        #expect(g.networks.isEmpty && g.files.isEmpty && g.env.isEmpty && g.setup == nil && g.userData == nil)
        #expect(g.replicas == nil && g.goldenSetup == nil)
        #expect(c.networks.isEmpty)
    }

    @Test func emptySectionsAreAllowed() throws {
        let f = try Fixture()
        let c = try f.load("hosts:\nimages: {}\nnetworks:\nguests:\n")
        #expect(c.hosts.map(\.name) == ["main"] && c.images.isEmpty && c.guests.isEmpty)
    }

    @Test func hostWithoutBodyHasDefaults() throws {
        let f = try Fixture()
        let c = try f.load("hosts:\n  box:\n")
        #expect(c.hosts.map(\.name) == ["box"] && c.hosts[0].accel == .kvm)
    }

    @Test func remoteHostDefaultsIdentityAndTunnel() throws {
        let f = try Fixture()
        let c = try f.load("hosts:\n  m: {tunnel_ip: 10.77.0.1}\n  r: {ssh: root@10.77.0.2}\n")
        #expect(c.hosts[1].identity == f.home + "/.ssh/id_ed25519")
        #expect(c.hosts[1].tunnelIP == IPv4("10.77.0.2"))
        #expect(c.hosts[1].ssh?.port == 22)
    }

    @Test func replicasZeroIsAService() throws {
        let f = try Fixture()
        try f.write("demo.qcow2")
        let c = try f.load(minimalImage + "guests:\n  web: {image: demo, replicas: 0}\n")
        #expect(c.guests[0].isService && c.guests[0].replicas == 0)
    }

    @Test(arguments: [("My Lab", "my-lab"), ("__x__", "x"), ("2024 course", "tb-2024-course"),
                      ("a-very-long-folder-name-indeed", "a-very-long-folder-n"), ("...", "testbed"),
                      ("abcdefghijklmnopqrs-t", "abcdefghijklmnopqrs")])
    func projectDefaultsToTheFolderNameMadeSafe(folder: String, project: String) throws {
        #expect(Names.safeProject(fromFolder: folder) == project)
        #expect(Names.isProject(project))
    }

    @Test func projectDefaultComesFromTheComposeFilesFolder() throws {
        let f = try Fixture()
        let c = try ComposeLoader.load(text: "{}", path: f.root + "/Net Lab 2/testbed.yaml", home: f.home)
        #expect(c.project == "net-lab-2")
        #expect(c.path == f.root + "/Net Lab 2/testbed.yaml")
    }

    @Test func pathsAreResolvedAgainstTheComposeFolder() throws {
        let f = try Fixture()
        try f.write("demo.qcow2")
        try f.write(f.root + "/shared/s.sh")
        try f.write(f.home + "/bin/h.sh")
        let c = try f.load(minimalImage + """
        guests:
          a: {image: demo, setup: ../shared/s.sh}
          b: {image: demo, setup: ~/bin/h.sh}
          c: {image: demo, setup: \(f.dir)/./demo.qcow2}
        """)
        #expect(c.guests.map(\.setup) == [f.root + "/shared/s.sh", f.home + "/bin/h.sh", f.dir + "/demo.qcow2"])
    }
}
