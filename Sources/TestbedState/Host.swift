import Foundation
import Vocabulary

extension TestbedState {
    /// A testbed host: the master (local libvirt) or a remote host reached over SSH.
    public struct Host: Codable, Sendable, Equatable {
        public struct SSHEndpoint: Codable, Sendable, Equatable {
            public var user: String
            public var address: String
            public var port: Int
            /// Absolute path of the private key used to log in to the host.
            public var identity: String
            public init(user: String, address: String, port: Int, identity: String) {
                self.user = user; self.address = address; self.port = port; self.identity = identity
            }
        }

        public struct Capacity: Codable, Sendable, Equatable {
            public var cpus: Int
            public var memoryMiB: Int
            public init(cpus: Int, memoryMiB: Int) { self.cpus = cpus; self.memoryMiB = memoryMiB }
        }

        /// The per-host libvirt NAT network that carries every guest's first NIC.
        public struct Management: Codable, Sendable, Equatable {
            public var network: String   // libvirt network name
            public var bridge: String    // Linux bridge libvirt creates (<= 15 chars)
            public var subnet: String    // CIDR, e.g. 10.142.0.0/24
            public var gateway: String   // the host's address on it, also DNS
            public init(network: String, bridge: String, subnet: String, gateway: String) {
                self.network = network; self.bridge = bridge; self.subnet = subnet; self.gateway = gateway
            }
        }

        public var name: String
        public var isMaster: Bool
        /// nil for the master (local); set for remote hosts.
        public var ssh: SSHEndpoint?
        public var libvirtURI: String
        public var accel: Accel
        public var datapath: Datapath
        /// Address other hosts send tunnelled traffic to (nil when the testbed has one host).
        public var tunnelIP: String?
        public var capacity: Capacity
        /// The libvirt storage pool (directory) holding the project's volumes on this host.
        public var pool: String
        public var poolPath: String
        public var management: Management
        /// Guests that may boot at once on the host (`max_booting:`); nil: derived from its
        /// cores when `up` starts guests (docs/scale.md).
        public var maxBooting: Int?

        public init(name: String, isMaster: Bool, ssh: SSHEndpoint?, libvirtURI: String, accel: Accel,
                    datapath: Datapath, tunnelIP: String?, capacity: Capacity, pool: String,
                    poolPath: String, management: Management, maxBooting: Int? = nil) {
            self.name = name; self.isMaster = isMaster; self.ssh = ssh; self.libvirtURI = libvirtURI
            self.accel = accel; self.datapath = datapath; self.tunnelIP = tunnelIP; self.capacity = capacity
            self.pool = pool; self.poolPath = poolPath; self.management = management
            self.maxBooting = maxBooting
        }
    }
}

extension TestbedState.Host {
    /// Remote libvirt over libvirt's own libssh2 transport: the identity and known_hosts given,
    /// no `ssh` binary, no prompt. `qemu:///system` for the local host.
    public static func libvirtURI(_ ssh: SSHEndpoint?, knownHosts: String) -> String {
        guard let ssh else { return "qemu:///system" }
        func q(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "/._-~"))) ?? s }
        return "qemu+libssh2://\(ssh.user)@\(ssh.address):\(ssh.port)/system?sshauth=privkey"
            + "&keyfile=\(q(ssh.identity))&known_hosts=\(q(knownHosts))&known_hosts_verify=normal"
    }

    /// The known_hosts file named in the libvirt URI (where its key was recorded), if any.
    public var knownHostsFile: String? {
        guard let query = libvirtURI.split(separator: "?", maxSplits: 1).last, libvirtURI.contains("?") else { return nil }
        for part in query.split(separator: "&") where part.hasPrefix("known_hosts=") {
            return String(part.dropFirst("known_hosts=".count)).removingPercentEncoding
        }
        return nil
    }

    /// A host as `ls`, `reap` and `down --project` reach it without a compose file: only its
    /// address matters until `forProject` names the project's objects on it.
    public static func reached(name: String, ssh: SSHEndpoint?, knownHosts: String) -> Self {
        Self(name: name, isMaster: ssh == nil, ssh: ssh, libvirtURI: libvirtURI(ssh, knownHosts: knownHosts),
             accel: .tcg, datapath: .netdev, tunnelIP: nil, capacity: .init(cpus: 1, memoryMiB: 1),
             pool: "", poolPath: "", management: .init(network: "", bridge: "", subnet: "", gateway: ""))
    }

    /// This host with the names project `project` gives its pool and management network
    /// (what `down` removes by name).
    public func forProject(_ project: String) -> Self {
        var h = self
        h.pool = Names.pool(project: project)
        h.poolPath = Names.poolPath(project: project)
        h.management.network = Names.managementNetwork(project: project)
        h.management.bridge = Names.managementBridge(project: project)
        return h
    }
}
