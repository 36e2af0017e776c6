import ComposeModel
import Core
import TestbedState

extension Context {
    /// Every instance as a Guest: disk chain, seed, NICs with addresses, host key, setup.
    mutating func guests(_ instances: [Instance], hosts: [TestbedState.Host], images: [TestbedState.Image],
                         services: [TestbedState.Service], networks: inout [TestbedState.Network],
                         placement: [String: String]) throws -> [Guest] {
        var addressing = Addressing(compose: c, hosts: hosts)
        addressing.keepPrevious(instances, previous: previousGuests, placement: placement)
        let byName = NetworkIndex(networks)
        var out: [Guest] = []
        for inst in instances {
            let host = hosts.first { $0.name == placement[inst.name] }!
            guard let nics = addressing.nics(for: inst, host: host, networks: byName) else { continue }
            out.append(try guest(inst, host: host, nics: nics, images: images, services: services))
        }
        diagnostics += addressing.diagnostics
        return out
    }

    private func guest(_ inst: Instance, host: TestbedState.Host, nics: [Guest.NIC],
                       images: [TestbedState.Image], services: [TestbedState.Service]) throws -> Guest {
        let spec = inst.spec
        let base = images.first { $0.name == spec.image }!
        let golden = services.first { $0.name == inst.role.service }?.golden
        let disk: Guest.Disk = switch inst.role.kind {
        case .single: .init(volume: Names.diskVolume(guest: inst.name), backingVolume: base.volume,
                            backingFormat: base.format, capacityBytes: spec.diskBytes, fullCopy: spec.fullCopy)
        case .golden: .init(volume: golden!.volume, backingVolume: base.volume,
                            backingFormat: base.format, capacityBytes: spec.diskBytes)
        case .clone: .init(volume: Names.diskVolume(guest: inst.name),
                           backingVolume: golden?.volume ?? base.volume,
                           backingFormat: golden == nil ? base.format : .qcow2, capacityBytes: spec.diskBytes,
                           fullCopy: spec.fullCopy)
        }
        let isGolden = inst.role.kind == .golden
        let setup = isGolden ? spec.goldenSetup : spec.setup
        let hostKey = try Ed25519Key.derive(secret: input.projectKey.seed, label: "hostkey:\(inst.name)")
        var guest = Guest(
            name: inst.name, domain: Names.domain(project: c.project, guest: inst.name), host: host.name,
            role: inst.role, cpus: spec.cpus, memoryMiB: inst.memoryMiB, disk: disk,
            seedVolume: spec.seed ? Names.seedVolume(guest: inst.name) : nil, nics: nics,
            hostKey: hostKey.publicLine(comment: inst.name), setup: setup,
            setupDigest: try setup.map(input.digest),
            files: isGolden ? [] : spec.files.map { .init(source: $0.source, destination: $0.destination) },
            env: Dictionary(spec.env.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last }),
            userData: isGolden ? nil : spec.userData)
        guest.login = spec.login.map { .init(user: $0.user, keyFile: $0.keyFile, passwordFile: $0.passwordFile) }
        guest.wait = switch spec.effectiveWait {
        case .ssh: .ssh
        case .port(let p): .port(p)
        case .none: Guest.Wait.none
        }
        // The golden builder must be logged in to for its setup, whatever the clones wait for.
        if isGolden { guest.wait = .ssh }
        return guest
    }
}

/// IPAM and MACs for the whole testbed: one address pool per guest network, one per host's
/// management network, one MAC pool per project.
struct Addressing {
    var pools: [String: AddressPool] = [:]          // network name -> pool
    var management: [String: AddressPool] = [:]     // host name -> pool
    var macs: MACPool
    var kept: [String: (ip: IPv4, mac: MAC)] = [:]  // "guest/nicIndex" -> previous allocation
    var marks: [String: NetworkSpec] = [:]
    var diagnostics: [Diagnostic] = []

    init(compose c: ComposeFile, hosts: [TestbedState.Host]) {
        let given = c.guests.flatMap(\.networks)
        for net in c.networks {
            let reserved = [net.gateway].compactMap { $0 } + given.filter { $0.network == net.name }.compactMap(\.ip)
            pools[net.name] = AddressPool(subnet: net.subnet, reserved: reserved)
            marks[net.name] = net
        }
        for h in hosts {
            let subnet = Subnet(h.management.subnet)!
            management[h.name] = AddressPool(subnet: subnet, reserved: [IPv4(h.management.gateway)!])
        }
        macs = MACPool(project: c.project, reserved: given.compactMap(\.mac))
    }

    /// Claims every previous allocation that is still valid before any new one is made, so
    /// existing guests keep their addresses whatever is added around them.
    mutating func keepPrevious(_ instances: [Instance], previous: PreviousGuests, placement: [String: String]) {
        guard !previous.isEmpty else { return }
        for inst in instances {
            guard let old = previous[inst.name] else { continue }
            for (i, network) in nicNetworks(inst).enumerated() {
                guard let oldNIC = old.nics.first(where: { $0.network == network }),
                      let ip = IPv4(oldNIC.ip), let mac = MAC(oldNIC.mac) else { continue }
                let sameHost = network != "management" || old.host == placement[inst.name]
                guard sameHost, given(inst, i)?.ip == nil, given(inst, i)?.mac == nil else { continue }
                let ipOK = network == "management" ? management[placement[inst.name]!]!.claim(ip) : pools[network]!.claim(ip)
                if ipOK, macs.claim(mac) { kept["\(inst.name)/\(i)"] = (ip, mac) }
            }
        }
    }

    /// `management` first, then the guest's networks in the order it lists them.
    func nicNetworks(_ inst: Instance) -> [String] {
        ["management"] + (inst.role.kind == .golden ? [] : inst.spec.networks.map(\.network))
    }

    private func given(_ inst: Instance, _ i: Int) -> NICSpec? {
        i == 0 || inst.role.kind == .golden ? nil : inst.spec.networks[i - 1]
    }

    mutating func nics(for inst: Instance, host: TestbedState.Host, networks: NetworkIndex) -> [Guest.NIC]? {
        var out: [Guest.NIC] = []
        let names = nicNetworks(inst)
        out.reserveCapacity(names.count)
        let routed = names.dropFirst().first { n in networks[n]?.network.gateway != nil }
        for (i, name) in names.enumerated() {
            guard let (ip, mac) = allocate(inst, i, name, host: host) else { return nil }
            if name == "management" {
                out.append(.init(network: name, isManagement: true, attach: host.management.network, mac: mac.text,
                                 ip: ip.description, prefix: 24, gateway: routed == nil ? host.management.gateway : nil, mtu: 1500))
            } else {
                let (net, prefix) = networks[name]!
                out.append(.init(network: name, isManagement: false, attach: net.bridge, mac: mac.text,
                                 ip: ip.description, prefix: prefix,
                                 gateway: routed == name ? net.gateway : nil, mtu: net.mtu))
            }
        }
        return out
    }

    private mutating func allocate(_ inst: Instance, _ i: Int, _ network: String,
                                   host: TestbedState.Host) -> (IPv4, MAC)? {
        if let k = kept["\(inst.name)/\(i)"] { return k }
        let spec = given(inst, i)
        let mac = spec?.mac ?? macs.make(guest: inst.name, nic: i)
        if let ip = spec?.ip { return (ip, mac) }
        let ip = network == "management" ? management[host.name]!.next() : pools[network]!.next()
        guard let ip else {
            let subnet = network == "management" ? host.management.subnet : marks[network]!.subnet.description
            diagnostics.append(Diagnostic(
                mark: network == "management" ? nil : marks[network]?.mark,
                path: network == "management" ? "management" : "networks.\(network).subnet",
                message: "\(network == "management" ? "the management network of host `\(host.name)`" : "network `\(network)`") (\(subnet)) has no address left for guest `\(inst.name)`"))
            return nil
        }
        return (ip, mac)
    }
}
