import Scenario
import TestbedState

extension Facts {
    /// What scenarios may know of a compiled testbed.
    public init(state: TestbedState) {
        let guests = state.userGuests.map { g in
            Facts.Guest(name: g.name, service: g.role.kind == .clone ? g.role.service : nil, index: g.role.index, host: g.host,
                        management: g.managementIP,
                        addresses: Dictionary(g.nics.filter { !$0.isManagement }.map { ($0.network, String?.some($0.ip)) },
                                              uniquingKeysWith: { a, _ in a }))
        }
        var services: [String: [String]] = [:]
        for s in state.services {
            let first = s.clones.first.flatMap { state.guest(named: $0) }
                ?? s.golden.flatMap { state.guest(named: $0.builder) }
            services[s.name] = first?.nics.filter { !$0.isManagement }.map(\.network) ?? []
        }
        self.init(project: state.project, composeFile: state.composeFile, guests: guests,
                  hosts: state.hosts.map { h in
                      Facts.Host(name: h.name, isMaster: h.isMaster, address: h.ssh.map { "\($0.user)@\($0.address):\($0.port)" })
                  },
                  services: services)
        loginless = Set(state.userGuests.filter { !$0.canLogIn }.map(\.name))
        loginlessServices = Set(state.services.filter { s in
            s.clones.first.flatMap { state.guest(named: $0) }.map { !$0.canLogIn } ?? false
        }.map(\.name))
    }
}
