/// The changes the commands make to the desired conditions (pure: the record is written, and
/// the hosts changed, by the caller).
extension Conditions {
    public mutating func setLink(_ nic: NICRef, up: Bool) {
        linksDown.removeAll { $0 == nic }
        if !up { linksDown.append(nic); linksDown.sort() }
    }

    /// Sets the given values on each direction of the NIC, keeping its other values (zero
    /// removes one); a direction left with nothing is no longer impaired.
    public mutating func impair(_ nic: NICRef, ways: [Way], _ netem: Netem) {
        for way in ways {
            let old = impairments.first { $0.nic == nic && $0.way == way }?.netem ?? Netem()
            impairments.removeAll { $0.nic == nic && $0.way == way }
            let new = old.merged(with: netem)
            if !new.isEmpty { impairments.append(NICImpairment(nic: nic, way: way, netem: new)) }
        }
        impairments.sort { ($0.nic, $0.way) < ($1.nic, $1.way) }
    }

    /// `out` is from `a` to `b`, `in` from `b` to `a`.
    public mutating func impair(network: String, between a: String, _ b: String, ways: [Way], _ netem: Netem) {
        for way in ways {
            let (from, to) = way == .out ? (a, b) : (b, a)
            let old = paths.first { $0.network == network && $0.from == from && $0.to == to }?.netem ?? Netem()
            paths.removeAll { $0.network == network && $0.from == from && $0.to == to }
            let new = old.merged(with: netem)
            if !new.isEmpty { paths.append(PathImpairment(network: network, from: from, to: to, netem: new)) }
        }
        paths.sort { ($0.network, $0.from, $0.to) < ($1.network, $1.from, $1.to) }
    }

    public mutating func clear(_ nic: NICRef, ways: [Way] = Way.allCases) {
        impairments.removeAll { $0.nic == nic && ways.contains($0.way) }
    }

    public mutating func clear(network: String, between a: String, _ b: String, ways: [Way] = Way.allCases) {
        for way in ways {
            let (from, to) = way == .out ? (a, b) : (b, a)
            paths.removeAll { $0.network == network && $0.from == from && $0.to == to }
        }
    }

    /// Every impairment (of guests and between hosts); links and partitions stay.
    public mutating func clearImpairments() {
        impairments = []
        paths = []
    }

    public mutating func partition(_ p: Partition) {
        if !partitions.contains(p) { partitions.append(p) }
    }

    public mutating func heal() { partitions = [] }
}
