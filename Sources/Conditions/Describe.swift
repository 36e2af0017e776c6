import TestbedState

/// The conditions for people: `status` lists them, per testbed and per guest.
extension Conditions {
    /// One line each: "link a:lan down", "impair a:lan out: delay 100ms", "partition a,b | r".
    public var lines: [String] {
        linksDown.map { "link \($0) down" }
            + impairments.map { "impair \($0.nic) \($0.way.rawValue): \($0.netem.summary)" }
            + paths.map { "impair \($0.network) from \($0.from) to \($0.to): \($0.netem.summary)" }
            + partitions.map { "partition " + Self.group($0.a) + " | " + Self.group($0.b) }
    }

    static func group(_ members: [Member]) -> String {
        members.map { $0.kind == .guest ? $0.name : "\($0.kind.rawValue):\($0.name)" }.joined(separator: ",")
    }

    /// What applies to one guest: its links and impairments, the host pairs its NICs are in,
    /// and whom it is cut from.
    public func lines(for guest: TestbedState.Guest, _ state: TestbedState) -> [String] {
        var out = linksDown.filter { $0.guest == guest.name }.map { "link \($0.network) down" }
        out += impairments.filter { $0.nic.guest == guest.name }.map { "impair \($0.nic.network) \($0.way.rawValue): \($0.netem.summary)" }
        let nets = Set(guest.nics.filter { !$0.isManagement }.map(\.network))
        out += paths.filter { nets.contains($0.network) && ($0.from == guest.host || $0.to == guest.host) }
            .map { "impair \($0.network) from \($0.from) to \($0.to): \($0.netem.summary)" }
        let r = Resolver(state: state)
        var cut = Set<String>()
        for p in partitions {
            let (a, b) = (r.guests(p.a), r.guests(p.b))
            if a.contains(guest.name) { cut.formUnion(b) }
            if b.contains(guest.name) { cut.formUnion(a) }
        }
        if !cut.isEmpty { out.append("cut from " + cut.sorted().joined(separator: ",")) }
        return out
    }
}
