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

    func flowCookies(bridge: String, matching match: String) async throws -> [UInt64]? {
        try await lab.call(host, "ovs.dumpFlows", bridge)
        let (value, mask) = Self.cookieMatch(match)
        return lab.with(host) { h -> [UInt64]? in
            guard h.bridges[bridge] != nil else { return nil }
            return (h.flows[bridge] ?? []).compactMap(Self.cookie).filter { $0 & mask == value & mask }
        }
    }

    /// `delete cookie=V/M` removes the matching flows, `add …` adds one; all or nothing.
    func applyFlows(bridge: String, _ lines: String) async throws {
        try await lab.call(host, "ovs.addFlows", bridge)
        try lab.with(host) { h in
            guard var flows = h.flows[bridge] ?? (h.bridges[bridge] != nil ? [] : nil) else {
                throw TBError(.ovs, "ovs-ofctl: \(bridge) is not a bridge or a socket")
            }
            for line in lines.split(separator: "\n") {
                if line.hasPrefix("delete cookie=") {
                    let (value, mask) = Self.cookieMatch(String(line.dropFirst("delete cookie=".count)))
                    flows.removeAll { (Self.cookie($0) ?? 0) & mask == value & mask }
                } else if line.hasPrefix("add ") {
                    flows.append(String(line.dropFirst(4)))
                } else {
                    throw TBError(.ovs, "ovs-ofctl: unknown flow command: \(line)")
                }
            }
            h.flows[bridge] = flows
        }
    }

    static func cookie(_ flow: String) -> UInt64? {
        guard let r = flow.range(of: "cookie=0x") else { return nil }
        return UInt64(flow[r.upperBound...].prefix { $0.isHexDigit }, radix: 16)
    }

    static func cookieMatch(_ text: String) -> (UInt64, UInt64) {
        let parts = text.split(separator: "/").map { UInt64($0.replacingOccurrences(of: "0x", with: ""), radix: 16) ?? 0 }
        return (parts.first ?? 0, parts.count > 1 ? parts[1] : UInt64.max)
    }

    func hostRecords(prefix: String) async throws -> [String: String] {
        try await lab.call(host, "ovs.hostRecords", prefix)
        return lab.with(host) { $0.hostRecords.filter { $0.key.hasPrefix(prefix) } }
    }

    func setHostRecord(key: String, value: String?) async throws {
        try await lab.call(host, "ovs.setHostRecord", key)
        lab.with(host) { $0.hostRecords[key] = value }
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
