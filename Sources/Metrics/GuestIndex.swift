import TestbedState

/// Finds the testbed's guest behind a libvirt domain and the network behind a NIC, and gives
/// the labels every per-guest series carries: testbed, guest, service, host.
struct GuestIndex {
    let state: TestbedState
    private let byDomain: [String: TestbedState.Guest]

    init(_ state: TestbedState) {
        self.state = state
        byDomain = Dictionary(state.guests.map { ($0.domain, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// The guest a domain of `host` is, or nil for a domain that is not the project's, or that
    /// the state places on another host (left over from an earlier placement).
    func guest(domain: String, host: String) -> TestbedState.Guest? {
        guard let g = byDomain[domain], g.host == host else { return nil }
        return g
    }

    func labels(_ g: TestbedState.Guest) -> [MetricFamily.Label] {
        [.init("testbed", state.project), .init("guest", g.name), .init("service", g.role.service ?? ""), .init("host", g.host)]
    }

    /// The testbed network a NIC is on: by MAC when known (read from the domain's XML), else
    /// by position (tbctl writes a guest's NICs into the domain XML in the state's order).
    /// The management NIC is on network `management`.
    func network(of nic: DomainStats.NIC, guest g: TestbedState.Guest) -> String {
        let match = nic.mac.flatMap { mac in g.nics.first { $0.mac.lowercased() == mac.lowercased() } }
            ?? (nic.mac == nil && nic.index < g.nics.count ? g.nics[nic.index] : nil)
        guard let match else { return "unknown" }
        return match.isManagement ? "management" : match.network
    }
}
