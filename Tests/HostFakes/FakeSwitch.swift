import Core
import OVSModel

/// Open vSwitch on a fake host: a change set is applied in one step (removals first, as the
/// real transaction orders them), and what it makes works.
struct FakeSwitch: VirtualSwitch {
    let lab: FakeLab
    let host: String

    func bridges(project: String) async throws -> [BridgeInfo] {
        try await lab.call(host, "ovs.bridges", project)
        return lab.with(host) { $0.bridges.values.filter { $0.externalIDs[OVSKeys.project] == project }.sorted { $0.name < $1.name } }
    }

    func apply(_ changes: [OVSChange]) async throws {
        guard !changes.isEmpty else { return }
        try await lab.call(host, "ovs.apply", changes.map(\.description).joined(separator: "; "))
        let ordered = changes.enumerated().sorted { ($0.element.phase, $0.offset) < ($1.element.phase, $1.offset) }.map(\.element)
        try lab.with(host) { h in
            var bridges = h.bridges
            for c in ordered { try Self.apply(c, to: &bridges) }
            h.bridges = bridges
        }
    }

    static func apply(_ change: OVSChange, to bridges: inout [String: BridgeInfo]) throws {
        switch change {
        case .addBridge(let name, let dp, let ids), .updateBridge(let name, let dp, let ids, _):
            if case .addBridge = change, let b = bridges[name], b.externalIDs[OVSKeys.project] != ids[OVSKeys.project] {
                throw TBError(.conflict, "bridge \(name) already exists and belongs to something other than this project")
            }
            var b = bridges[name] ?? BridgeInfo(name: name, datapathType: dp.rawValue, externalIDs: [:], ofport: 65534, error: nil,
                                                ports: [PortInfo(name: name, type: "internal", options: [:], externalIDs: [:],
                                                                 ofport: 65534, error: nil)])
            b.datapathType = dp.rawValue
            b.externalIDs.merge(ids) { _, new in new }
            b.ofport = 65534; b.error = nil
            bridges[name] = b
        case .deleteBridge(let name):
            bridges[name] = nil
        case .addPort(let bridge, let port), .updatePort(let bridge, let port, _):
            guard var b = bridges[bridge] else { throw TBError(.ovs, "no bridge named \(bridge)") }
            var info = PortInfo(name: port.name, type: port.ovsType, options: port.ovsOptions, externalIDs: port.externalIDs,
                                ofport: b.ports.count + 1, error: nil, mtuRequest: port.mtuRequest)
            if case .internal(let address, _) = port.kind { info.addresses = [normalizedCIDR(address)]; info.isUp = true }
            b.ports.removeAll { $0.name == port.name }
            b.ports.append(info)
            b.ports.sort { $0.name < $1.name }
            bridges[bridge] = b
        case .deletePort(let bridge, let port):
            bridges[bridge]?.ports.removeAll { $0.name == port }
        }
    }
}
