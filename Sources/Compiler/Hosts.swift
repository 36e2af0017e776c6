import ComposeModel
import Core
import Foundation
import TestbedState

extension Compiler {
    /// Declared capacity, or this default when a host does not say (placement only needs ratios).
    static let defaultCapacity = TestbedState.Host.Capacity(cpus: 8, memoryMiB: 16384)

    static func hosts(_ c: ComposeFile, knownHosts: String) -> [TestbedState.Host] {
        let multi = c.hosts.count > 1
        return c.hosts.enumerated().map { i, spec in
            let mgmt = Subnet(network: c.management.subnet.network.advanced(by: i * 256), prefix: 24)
            let ssh = spec.ssh.map {
                TestbedState.Host.SSHEndpoint(user: $0.user, address: $0.address, port: $0.port,
                                              identity: spec.identity ?? "")
            }
            return TestbedState.Host(
                name: spec.name, isMaster: i == 0, ssh: ssh,
                libvirtURI: spec.uri ?? libvirtURI(ssh, knownHosts: knownHosts),
                accel: spec.accel, datapath: spec.datapath,
                tunnelIP: multi ? spec.tunnelIP?.description : nil,
                capacity: .init(cpus: spec.cpus ?? defaultCapacity.cpus, memoryMiB: spec.memoryMiB ?? defaultCapacity.memoryMiB),
                pool: Names.pool(project: c.project), poolPath: Names.poolPath(project: c.project),
                management: .init(network: Names.managementNetwork(project: c.project),
                                  bridge: Names.managementBridge(project: c.project),
                                  subnet: mgmt.description, gateway: mgmt.network.advanced(by: 1).description),
                maxBooting: spec.maxBooting)
        }
    }

    /// Remote libvirt over libvirt's own libssh2 transport: the project's identity and known_hosts,
    /// no `ssh` binary, no prompt.
    static func libvirtURI(_ ssh: TestbedState.Host.SSHEndpoint?, knownHosts: String) -> String {
        TestbedState.Host.libvirtURI(ssh, knownHosts: knownHosts)
    }
}
