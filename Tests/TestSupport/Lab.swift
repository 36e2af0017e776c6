import Compiler
import ComposeModel
import Core
import Foundation
import TestbedState
import Vocabulary

/// Builds compose models in code, so compiler and planner tests do not depend on the YAML front end.
public struct Lab {
    public var project = "lab"
    public var hosts: [HostSpec] = [HostSpec(name: "main", mark: nil, uri: nil, ssh: nil, identity: nil, tunnelIP: nil,
                                      accel: .tcg, datapath: .netdev, cpus: nil, memoryMiB: nil)]
    public var networks: [NetworkSpec] = [
        NetworkSpec(name: "lan", mark: nil, subnet: Subnet("10.10.0.0/24")!, gateway: nil, tunnel: .vxlan),
        NetworkSpec(name: "dmz", mark: nil, subnet: Subnet("10.20.0.0/24")!, gateway: IPv4("10.20.0.1"), tunnel: .geneve),
    ]
    public var guests: [GuestSpec] = []
    /// The base image's path (a test that imports it needs a real file there).
    public var imageSource = "/lab/demo.qcow2"

    public init() {}

    public static func guest(_ name: String, networks: [String] = ["lan"], replicas: Int? = nil, golden: Bool = false,
                      host: String? = nil, memory: Int = 128, ip: String? = nil) -> GuestSpec {
        GuestSpec(name: name, mark: nil, image: "demo", cpus: 1, memoryMiB: memory, diskBytes: nil, host: host,
                  networks: networks.enumerated().map { i, n in
                      NICSpec(network: n, mark: nil, ip: i == 0 ? ip.flatMap { IPv4($0) } : nil, mac: nil) },
                  setup: nil, files: [], env: [("ROLE", name)], userData: nil, replicas: replicas, replicasMark: nil,
                  goldenSetup: golden ? "/lab/golden.sh" : nil)
    }

    public static func remote(_ name: String, _ ip: String, memory: Int? = nil) -> HostSpec {
        HostSpec(name: name, mark: nil, uri: nil, ssh: .init(user: "root", address: ip, port: 22),
                 identity: "/root/.ssh/id_ed25519", tunnelIP: IPv4(ip), accel: .tcg, datapath: .netdev,
                 cpus: 4, memoryMiB: memory)
    }

    public var compose: ComposeFile {
        ComposeFile(path: "/lab/testbed.yaml", project: project, user: "root",
                    management: ManagementSpec(subnet: Subnet("10.150.0.0/16")!, mark: nil), hosts: hosts,
                    images: [ImageSpec(name: "demo", mark: nil, source: imageSource, sha256: nil, format: .qcow2)],
                    networks: networks, guests: guests)
    }

    public static let key = try! Ed25519Key(seed: Array(repeating: 9, count: 32))

    /// Compiles the lab. File digests are of the path by default (no file needed); pass
    /// `Digest.sha256Hex(fileAt:)` when the files exist and must match (Apply checks them).
    public func compile(previous: TestbedState? = nil, overrides: [String: Int] = [:],
                        digest: @escaping @Sendable (String) throws -> String = { Digest.sha256Hex(Array($0.utf8)) }) throws -> TestbedState {
        try Compiler.compile(CompileInput(
            compose: compose, composeDigest: "c0ffee", projectKey: Lab.key, previous: previous,
            replicaOverrides: overrides, knownHostsFile: "/lab/.testbed/known_hosts",
            digest: digest, header: { _ in [0x51, 0x46, 0x49, 0xfb] }))
    }
}

extension TestbedState {
    public func ip(_ guest: String, _ network: String) -> String? {
        self.guest(named: guest)?.nics.first { $0.network == network }?.ip
    }
}
