import TestbedState

/// Finds the network behind a guest's NIC, and gives
/// the labels every per-guest series carries: testbed, guest, service, host.
struct GuestIndex {
    let state: TestbedState

    init(_ state: TestbedState) { self.state = state }

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
