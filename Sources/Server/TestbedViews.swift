import Metrics
import TestbedState

/// Builds the API's views from the state and a reading.
enum TestbedViews {
    static func testbed(_ r: Reading) -> TestbedView {
        let s = r.state
        return TestbedView(
            project: s.project, sampledAt: r.observation.time,
            hosts: s.hosts.map { h in
                let o = r.observation.host(h.name)
                return HostView(name: h.name, master: h.isMaster, up: o?.up ?? false, error: o?.error, address: h.ssh?.address,
                                accel: h.accel.rawValue, datapath: h.datapath.rawValue,
                                guests: s.userGuests.filter { $0.host == h.name }.map(\.name))
            },
            guests: s.userGuests.map { guest($0, r) },
            networks: s.networks.map { n in
                NetworkView(name: n.name, subnet: n.subnet, gateway: n.gateway, tunnel: n.tunnel.rawValue, vni: n.vni, mtu: n.mtu,
                            bridge: n.bridge, hosts: n.hosts,
                            tunnels: s.tunnels.filter { $0.network == n.name }.map {
                                .init(hub: $0.hub.host, spoke: $0.spoke.host, kind: $0.kind.rawValue, key: $0.key)
                            })
            },
            services: s.services.map {
                ServiceView(name: $0.name, image: $0.image, replicas: $0.replicas, clones: $0.clones, goldenHost: $0.golden?.host)
            })
    }

    static func guest(_ g: TestbedState.Guest, _ r: Reading) -> GuestView {
        let rate = r.rates[g.name]
        return GuestView(name: g.name, host: g.host, service: g.role.service, role: g.role.kind.rawValue, state: r.guestState(g),
                         management: g.managementIP,
                         addresses: Dictionary(g.nics.filter { !$0.isManagement }.map { ($0.network, $0.ip) }, uniquingKeysWith: { a, _ in a }),
                         cpus: g.cpus, memoryMiB: g.memoryMiB, cpuPercent: rate?.cpu, rxBytesPerSecond: rate?.rx, txBytesPerSecond: rate?.tx)
    }

    static func detail(_ g: TestbedState.Guest, _ r: Reading, history: GuestSeries) -> GuestDetailView {
        let d = r.stats(of: g)
        let nics = g.nics.map { nic -> GuestDetailView.NIC in
            let network = nic.isManagement ? "management" : nic.network
            let s = d?.nics.first { Collector.network(of: $0, guest: g, state: r.state) == network }
            return .init(network: network, mac: nic.mac, ip: nic.ip, device: s?.device,
                         rxBytes: s?.rxBytes, txBytes: s?.txBytes, rxPackets: s?.rxPackets, txPackets: s?.txPackets,
                         rxErrors: s?.rxErrors, txErrors: s?.txErrors, rxDrops: s?.rxDrops, txDrops: s?.txDrops)
        }
        return GuestDetailView(
            guest: guest(g, r), domain: g.domain, cpuTimeSeconds: d?.cpuTimeSeconds, vcpus: d?.vcpus,
            memoryCurrentBytes: d?.memoryCurrentBytes, memoryRSSBytes: d?.memoryRSSBytes, nics: nics,
            disks: (d?.disks ?? []).map { .init(name: $0.name, readBytes: $0.readBytes, writeBytes: $0.writeBytes,
                                                readRequests: $0.readRequests, writeRequests: $0.writeRequests) },
            history: history)
    }
}
