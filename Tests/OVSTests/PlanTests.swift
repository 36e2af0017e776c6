@testable import OVS
@testable import OVSModel
import TestSupport
import Testing

/// plan() without OVS: the actual state is what OVS would report for a host that is as desired,
/// then altered the way a host drifts.
@Suite struct PlanTests {
    static let lan = DesiredBridge(name: "tb-p-lan", datapath: .netdev, project: "p", network: "lan", ports: [
        .tunnel("tt-p-lan-b", .vxlan, remoteIP: "10.77.0.12", key: 100),
        .tunnel("tt-p-lan-c", .vxlan, remoteIP: "10.77.0.13", key: 100),
        .gateway("tg-p-lan", address: "10.1.0.1/24", mtu: 1450),
    ])
    static let dmz = DesiredBridge(name: "tb-p-dmz", datapath: .netdev, project: "p", network: "dmz", ports: [
        .tunnel("tt-p-dmz-b", .gre, remoteIP: "10.77.0.12", key: 7),
    ])

    @Test func emptyHostGetsEverything() {
        let changes = OVSPlan.plan(desired: [Self.lan], actual: [])
        #expect(changes.count == 4)
        #expect(changes.first == .addBridge(name: "tb-p-lan", datapath: .netdev,
                                            externalIDs: ["tbctl-project": "p", "tbctl-network": "lan"]))
        // Every port is marked as the project's, which is what makes later plans own it.
        for case .addPort(let bridge, let port) in changes.dropFirst() {
            #expect(bridge == "tb-p-lan")
            #expect(port.externalIDs["tbctl-project"] == "p")
        }
    }

    @Test func hostAsDesiredNeedsNothing() {
        #expect(OVSPlan.plan(desired: [Self.lan, Self.dmz], actual: reported([Self.lan, Self.dmz])).isEmpty)
    }

    @Test func changedRemoteIPUpdatesJustThatPort() {
        var moved = Self.lan
        moved.ports[1] = .tunnel("tt-p-lan-c", .vxlan, remoteIP: "10.77.0.14", key: 100)
        let changes = OVSPlan.plan(desired: [moved], actual: reported([Self.lan]))
        #expect(changes == [.updatePort(bridge: "tb-p-lan", moved.ports[1].owned(by: "p"),
                                        reason: "remote_ip 10.77.0.13 -> 10.77.0.14")])
    }

    @Test func tunnelKindAndKeyChangesAreUpdates() {
        var other = Self.dmz
        other.ports[0] = .tunnel("tt-p-dmz-b", .geneve, remoteIP: "10.77.0.12", key: 8)
        guard case .updatePort(_, _, let reason)? = OVSPlan.plan(desired: [other], actual: reported([Self.dmz])).first else {
            Issue.record("expected an update"); return
        }
        #expect(reason == "type gre -> geneve; key 7 -> 8")
    }

    @Test func strayBridgesAndTbctlPortsGoButGuestPortsStay() {
        var host = reported([Self.lan, Self.dmz])
        host[0].ports.append(PortInfo(name: "vnet3", type: "", options: [:],
                                      externalIDs: ["attached-mac": "52:54:00:00:00:01"], ofport: 9, error: nil))
        var lanWithoutC = Self.lan
        lanWithoutC.ports.remove(at: 1)
        let changes = OVSPlan.plan(desired: [lanWithoutC], actual: host)
        // Removals come first, ports before bridges; vnet3 (libvirt's) is never touched.
        #expect(changes == [.deletePort(bridge: "tb-p-lan", port: "tt-p-lan-c"), .deleteBridge(name: "tb-p-dmz")])
    }

    @Test func portMovingBetweenBridgesIsDeletedBeforeItIsAdded() {
        var lan = Self.lan, dmz = Self.dmz
        let port = lan.ports.removeFirst()
        dmz.ports.append(port)
        let changes = OVSPlan.plan(desired: [lan, dmz], actual: reported([Self.lan, Self.dmz]))
        #expect(changes == [.deletePort(bridge: "tb-p-lan", port: port.name), .addPort(bridge: "tb-p-dmz", port.owned(by: "p"))])
    }

    @Test func brokenBridgeOrPortIsReconfigured() {
        var host = reported([Self.dmz])
        host[0].ofport = nil   // the add-br trap: the row exists, the datapath does not
        host[0].datapathType = ""
        let tunnel = host[0].ports.firstIndex { $0.name == "tt-p-dmz-b" }!
        host[0].ports[tunnel].ofport = -1
        host[0].ports[tunnel].error = "could not open network device"
        let changes = OVSPlan.plan(desired: [Self.dmz], actual: host)
        #expect(changes.map(\.description) == [
            "~ bridge tb-p-dmz: datapath system (default) -> netdev; not working in OVS (no ofport)",
            "~ port tt-p-dmz-b on tb-p-dmz: not working in OVS (ofport -1, error: could not open network device)",
        ])
    }

    @Test func gatewayAddressAndLinkAreChecked() {
        var host = reported([Self.lan])
        let gw = host[0].ports.firstIndex { $0.name == "tg-p-lan" }!
        host[0].ports[gw].addresses = ["10.9.0.1/24"]
        host[0].ports[gw].isUp = false
        host[0].ports[gw].mtuRequest = nil
        let changes = OVSPlan.plan(desired: [Self.lan], actual: host)
        #expect(changes.map(\.description) == [
            "~ port tg-p-lan on tb-p-lan: mtu_request unset -> 1450; address 10.1.0.1/24 missing; stale address 10.9.0.1/24; link down",
        ])
    }

    @Test func externalIDsMustBePresentButExtraOnesAreKept() {
        var host = reported([Self.lan])
        host[0].externalIDs["admin-note"] = "x"          // extra: fine
        host[0].ports[0].externalIDs["tbctl-project"] = "p"
        #expect(OVSPlan.plan(desired: [Self.lan], actual: host).isEmpty)
        host[0].externalIDs["tbctl-network"] = "old"
        #expect(OVSPlan.plan(desired: [Self.lan], actual: host).map(\.description) ==
                ["~ bridge tb-p-lan: external_ids:tbctl-network old -> lan"])
    }
}

