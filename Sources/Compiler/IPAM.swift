import Core

/// Address allocation on one subnet. Reserved addresses (network, broadcast, gateway, hand-given
/// ones) are never handed out. Previous allocations are honoured first, so adding or removing a
/// guest never moves another guest's address; new guests get the lowest free address.
struct AddressPool {
    let subnet: Subnet
    private(set) var used: Set<UInt32> = []
    private var cursor: UInt32

    init(subnet: Subnet, reserved: [IPv4]) {
        self.subnet = subnet
        self.cursor = subnet.usable.lowerBound
        for ip in reserved { used.insert(ip.raw) }
    }

    /// Takes `ip` if it is in the subnet, usable and free.
    mutating func claim(_ ip: IPv4) -> Bool {
        guard subnet.contains(ip), subnet.usable.contains(ip.raw), !used.contains(ip.raw) else { return false }
        used.insert(ip.raw)
        return true
    }

    /// The lowest free address, or nil when the subnet is full.
    mutating func next() -> IPv4? {
        while cursor <= subnet.usable.upperBound {
            let candidate = cursor
            cursor += 1
            if used.insert(candidate).inserted { return IPv4(raw: candidate) }
        }
        return nil
    }
}

/// MACs: `52:54:PP` + three bytes hashed from (project, guest, NIC index), so a guest's MAC does not
/// depend on other guests. 52 has the locally-administered bit set and the multicast bit clear.
/// Collisions (rare) move to the next free value in instance order; previous MACs are kept.
struct MACPool {
    let prefix: UInt8
    let project: String
    private var used: Set<MAC> = []

    init(project: String, reserved: [MAC]) {
        self.project = project
        self.prefix = UInt8(truncatingIfNeeded: Digest.fnv1a64("mac-prefix/\(project)"))
        used.formUnion(reserved)
    }

    mutating func claim(_ mac: MAC) -> Bool { used.insert(mac).inserted }

    mutating func make(guest: String, nic: Int) -> MAC {
        var v = UInt32(truncatingIfNeeded: Digest.fnv1a64("\(project)/\(guest)/\(nic)")) & 0xff_ffff
        while true {
            let mac = MAC(bytes: [0x52, 0x54, prefix, UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)])
            if used.insert(mac).inserted { return mac }
            v = (v + 1) & 0xff_ffff
        }
    }
}
