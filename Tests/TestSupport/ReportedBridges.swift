import OVSModel

/// What `bridges(project:)` returns for a host where `desired` was applied successfully.
public func reported(_ desired: [DesiredBridge]) -> [BridgeInfo] {
    desired.map { d in
        let local = PortInfo(name: d.name, type: "internal", options: [:], externalIDs: [:], ofport: 65534, error: nil)
        let ports = d.ports.enumerated().map { i, p in
            var info = PortInfo(name: p.name, type: p.ovsType, options: p.ovsOptions,
                                externalIDs: p.owned(by: d.project).externalIDs, ofport: i + 1, error: nil)
            if case .internal(let address, let mtu) = p.kind {
                info.addresses = [address]; info.isUp = true; info.mtuRequest = mtu
            }
            return info
        }
        return BridgeInfo(name: d.name, datapathType: d.datapath.rawValue, externalIDs: d.externalIDs,
                          ofport: 65534, error: nil, ports: [local] + ports)
    }
}
