import Compiler
import ComposeModel
import Core
import Foundation
import TestbedState
import Testing
@testable import Compose

/// The example files of the repository load. Each is copied into a fresh temporary tree that
/// also holds what it refers to outside its folder (the demo image, an SSH key), so the test
/// depends only on the examples themselves.
@Suite struct ExamplesTests {
    private static let examples = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("compose-examples").path

    private func load(_ name: String) throws -> (ComposeFile, Fixture) {
        let f = try Fixture()
        let target = f.root + "/compose-examples/" + name
        try FileManager.default.createDirectory(atPath: f.root + "/compose-examples", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.examples + "/" + name, toPath: target)
        try f.write(f.root + "/images/out/tbctl-demo.qcow2", "qcow2")
        try f.write(f.root + "/images/out/tbctl-debian12.qcow2", "qcow2")
        return (try ComposeLoader.load(path: target + "/testbed.yaml", home: f.home), f)
    }

    @Test func quickstart() throws {
        let (c, f) = try load("quickstart")
        #expect(c.project == "quickstart")
        #expect(c.hosts.map(\.name) == ["main"] && c.hosts[0].accel == .tcg && c.hosts[0].datapath == .netdev)
        #expect(c.images[0].source == f.root + "/images/out/tbctl-demo.qcow2")
        #expect(c.networks.map(\.name) == ["lan", "dmz"])
        #expect(c.guests.map(\.name) == ["client", "web"])
        #expect(c.guests.map(\.memoryMiB) == [128, 128])
        #expect(c.guests[1].replicas == 3 && c.guests[1].goldenSetup == f.root + "/compose-examples/quickstart/golden-web.sh")
    }

    @Test func multihost() throws {
        let (c, f) = try load("multihost")
        #expect(c.hosts.map(\.name) == ["main", "h1", "h2"])
        #expect(c.hosts.map(\.tunnelIP) == [IPv4("10.77.0.1"), IPv4("10.77.0.11"), IPv4("10.77.0.12")])
        #expect(c.hosts.allSatisfy { $0.accel == .tcg && $0.datapath == .netdev })
        #expect(c.hosts[1].identity == f.home + "/.ssh/id_ed25519")
        #expect(c.guests.map(\.host) == ["main", "h1", "h2", nil])
        #expect(c.networks[1].tunnel == .geneve)
    }

    @Test func service() throws {
        let (c, _) = try load("service")
        #expect(c.guests.count == 1 && c.guests[0].replicas == 4 && c.guests[0].goldenSetup != nil)
        #expect(c.guests[0].env.map(\.key) == ["GREETING"])
    }

    @Test func debian() throws {
        let (c, f) = try load("debian")
        #expect(c.images[0].source == f.root + "/images/out/tbctl-debian12.qcow2")
        #expect(c.guests.map(\.name) == ["db", "web"] && c.guests.map(\.memoryMiB) == [768, 768])
        #expect(c.guests[1].replicas == 2 && c.guests[1].goldenSetup == f.root + "/compose-examples/debian/golden.sh")
    }

    /// Every example also compiles, deterministically (twice, byte for byte).
    @Test(arguments: ["quickstart", "multihost", "service", "debian"])
    func compiles(_ name: String) throws {
        let (c, f) = try load(name)
        defer { withExtendedLifetime(f) {} }   // the fixture owns the temporary tree
        let key = try Ed25519Key(seed: Array(repeating: 1, count: 32))
        let input = CompileInput(compose: c, composeDigest: "d", projectKey: key, previous: nil, replicaOverrides: [:],
                                 knownHostsFile: "/k", digest: { try Digest.sha256Hex(fileAt: $0) }, header: { _ in [] })
        let state = try Compiler.compile(input)
        #expect(!state.userGuests.isEmpty)
        #expect(try state.encoded() == Compiler.compile(input).encoded())
    }
}
