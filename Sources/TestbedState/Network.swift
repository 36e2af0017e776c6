import Vocabulary

extension TestbedState {
    /// A guest network: one OVS bridge per host that has a guest on it, joined by tunnels.
    public struct Network: Codable, Sendable, Equatable {
        public var name: String
        public var subnet: String          // CIDR
        public var gateway: String?        // default route for guests on it, when set
        public var tunnel: TunnelKind
        /// VXLAN/Geneve VNI or GRE key: one per network, so networks stay isolated.
        public var vni: Int
        /// MTU guests use on this network: 1500 on one host, less the tunnel overhead across hosts.
        public var mtu: Int
        /// OVS bridge name (<= 15 chars, unique per project), the same on every host.
        public var bridge: String
        /// Hosts that carry this network, in host order.
        public var hosts: [String]

        public init(name: String, subnet: String, gateway: String?, tunnel: TunnelKind, vni: Int, mtu: Int,
                    bridge: String, hosts: [String]) {
            self.name = name; self.subnet = subnet; self.gateway = gateway; self.tunnel = tunnel
            self.vni = vni; self.mtu = mtu; self.bridge = bridge; self.hosts = hosts
        }
    }

    /// One tunnel link of a network between two hosts. Links form a star around the network's
    /// hub (its first host), so three or more hosts never loop broadcasts.
    public struct Tunnel: Codable, Sendable, Equatable {
        public struct End: Codable, Sendable, Equatable {
            public var host: String
            /// OVS port name on this end (<= 15 chars).
            public var port: String
            /// The other end's tunnel IP (what this port sends to).
            public var remoteIP: String
            public init(host: String, port: String, remoteIP: String) {
                self.host = host; self.port = port; self.remoteIP = remoteIP
            }
        }

        public var network: String
        public var kind: TunnelKind
        public var key: Int
        public var hub: End
        public var spoke: End

        public init(network: String, kind: TunnelKind, key: Int, hub: End, spoke: End) {
            self.network = network; self.kind = kind; self.key = key; self.hub = hub; self.spoke = spoke
        }
    }
}
