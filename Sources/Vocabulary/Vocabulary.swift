// The closed vocabularies of a testbed: words the compose file, state.json and the OVS model
// share. Each is decoded once, in Compose, with a located error for a word outside it; every
// later stage holds the enum, never the string. Raw values are what testbed.yaml and
// state.json spell, so the state's encoding stays as it was.

/// How a host runs guests: `kvm` (hardware virtualization) or `tcg` (QEMU's emulator, for hosts
/// where KVM does not work).
public enum Accel: String, Codable, Sendable, CaseIterable {
    case kvm, tcg
}

/// Which Open vSwitch datapath a host's bridges use. `system` (the kernel module) is OVS's
/// default; `netdev` is the userspace datapath, for hosts whose kernel has no openvswitch module.
public enum Datapath: String, Codable, Sendable, CaseIterable {
    case system, netdev
}

/// The encapsulation that joins a network's bridges across hosts.
public enum TunnelKind: String, Codable, Sendable, CaseIterable {
    case vxlan, geneve, gre

    /// Bytes the encapsulation adds to a guest's IP packet: outer IPv4 (20), the tunnel
    /// header, and the guest's Ethernet header (14) carried inside. VXLAN: UDP 8 + VXLAN 8.
    /// Geneve: UDP 8 + Geneve 8 + room for 8 bytes of options. GRE: 4 + the 4-byte key that
    /// tells networks apart.
    public var overhead: Int {
        switch self { case .vxlan: 50; case .geneve: 58; case .gre: 42 }
    }

    /// Largest key the encapsulation carries: VXLAN and Geneve VNIs are 24 bits, GRE keys 32.
    public var maxKey: Int {
        switch self { case .vxlan, .geneve: (1 << 24) - 1; case .gre: (1 << 32) - 1 }
    }
}

/// The format of a disk image file.
public enum ImageFormat: String, Codable, Sendable, CaseIterable {
    case qcow2, raw
}
