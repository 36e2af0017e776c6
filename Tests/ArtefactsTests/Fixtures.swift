import Core
import Foundation
import TestbedState
import struct TestbedState.Host
import Vocabulary

/// Synthetic states, built the way the compiler builds them (host keys derived from the secret).
enum Fixture {
    static let secret: [UInt8] = Array(repeating: 7, count: 32)
    static let projectKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPr0j3ctbctltestkeyxxxxxxxxxxxxxxxxxxxxxxxxx tbctl-lab"

    static func host(_ name: String = "main", accel: Accel = .tcg, datapath: Datapath = .netdev,
                     index: Int = 0) -> Host {
        Host(name: name, isMaster: index == 0, ssh: nil, libvirtURI: "qemu:///system", accel: accel,
             datapath: datapath, tunnelIP: nil, capacity: .init(cpus: 2, memoryMiB: 24_000),
             pool: "tbctl-lab", poolPath: "/var/lib/libvirt/tbctl/lab",
             management: .init(network: "tbctl-lab-mgmt", bridge: "tbl-lab-m\(index)",
                               subnet: "10.142.\(index).0/24", gateway: "10.142.\(index).1"))
    }

    static func managementNIC(_ n: Int, host: Int = 0) -> Guest.NIC {
        Guest.NIC(network: "management", isManagement: true, attach: "tbctl-lab-mgmt",
                  mac: mac(0x10, n), ip: "10.142.\(host).\(10 + n % 240)", prefix: 24, gateway: nil, mtu: 1500)
    }

    static func lanNIC(_ n: Int, gateway: String? = "10.10.0.1", mtu: Int = 1450) -> Guest.NIC {
        Guest.NIC(network: "lan", isManagement: false, attach: "tb-lab-lan", mac: mac(0x20, n),
                  ip: "10.10.\(n / 250).\(n % 250 + 2)", prefix: 16, gateway: gateway, mtu: mtu)
    }

    static func mac(_ kind: UInt8, _ n: Int) -> String {
        MAC(bytes: [0x52, 0x54, 0x00, kind, UInt8(n >> 8 & 0xff), UInt8(n & 0xff)]).description
    }

    static func guest(_ name: String, n: Int = 0, host: String = "main", hostIndex: Int = 0,
                      role: Guest.Role = .single, nics: [Guest.NIC]? = nil, files: [Guest.File] = [],
                      env: [String: String] = [:], userData: String? = nil) throws -> Guest {
        let key = try Ed25519Key.derive(secret: secret, label: "hostkey:" + name)
        return Guest(name: name, domain: "lab-" + name, host: host, role: role, cpus: 1, memoryMiB: 128,
                     disk: .init(volume: "lab-\(name).qcow2", backingVolume: "lab-base.qcow2",
                                 backingFormat: .qcow2, capacityBytes: nil),
                     seedVolume: "lab-\(name)-seed.iso",
                     nics: nics ?? [managementNIC(n, host: hostIndex), lanNIC(n)],
                     hostKey: key.publicLine(comment: name), setup: nil, setupDigest: nil,
                     files: files, env: env, userData: userData)
    }

    static func state(user: String = "root", hosts: [Host]? = nil, guests: [Guest]) -> TestbedState {
        TestbedState(project: "lab", composeFile: "/srv/lab/testbed.yaml", composeDigest: "00", user: user,
                     sshPublicKey: projectKey, hosts: hosts ?? [host()], images: [], networks: [], tunnels: [],
                     services: [], guests: guests)
    }

    /// `count` guests over two hosts: services of 50 clones each with a golden builder, files and env.
    static func synthetic(guests count: Int, files: [Guest.File] = []) throws -> TestbedState {
        let hosts = [host("main", index: 0), host("rack2", accel: .kvm, datapath: .system, index: 1)]
        var guests: [Guest] = []
        var n = 0
        while guests.count < count {
            let service = "svc\(n / 50)"
            let hostIndex = (n / 50) % 2
            let role: Guest.Role = n % 50 == 0 ? .golden(service) : .clone(service, n % 50 - 1)
            let name = n % 50 == 0 ? "\(service)-golden" : "\(service)-\(n % 50 - 1)"
            guests.append(try guest(name, n: n, host: hosts[hostIndex].name, hostIndex: hostIndex, role: role,
                                    files: files, env: ["ROLE": service, "INDEX": "\(n)"]))
            n += 1
        }
        return state(hosts: hosts, guests: guests)
    }

    /// A fresh folder under the system temporary folder; the caller removes it.
    static func tempDir(_ label: String = "art") -> String {
        let path = NSTemporaryDirectory() + "tbctl-\(label)-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func tool(_ name: String) -> Bool { Subprocess.resolve(name) != name }

    /// Runs a command; returns stdout, throwing with stderr when it fails.
    @discardableResult
    static func run(_ argv: [String], stdin: String? = nil) async throws -> String {
        let r = try await Subprocess.run(argv, stdin: stdin.map { Data($0.utf8) })
        guard r.succeeded else { throw TBError(.command, "\(argv.joined(separator: " ")) failed", cause: r.stderr) }
        return r.stdout
    }
}
