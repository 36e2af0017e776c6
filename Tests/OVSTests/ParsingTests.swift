import Core
@testable import OVS
@testable import OVSModel
import Testing

/// Output captured from ovs-vsctl 3.1 (one good netdev bridge, one broken `system` bridge).
@Suite struct ParsingTests {
    static let listing = """
    {"data":[[["uuid","b1"],"tbx1","netdev",["map",[["tbctl-network","lan"],["tbctl-project","p1"]]],["set",[["uuid","p1"],["uuid","p2"]]]],[["uuid","b2"],"tbx2","",["map",[["tbctl-project","p1"]]],["uuid","p3"]]],"headings":["_uuid","name","datapath_type","external_ids","ports"]}
    {"data":[[["uuid","p1"],"tbx1-t1",["uuid","i1"]],[["uuid","p2"],"tbx1",["uuid","i2"]],[["uuid","p3"],"tbx2",["uuid","i3"]]],"headings":["_uuid","name","interfaces"]}
    {"data":[[["uuid","i1"],"tbx1-t1","vxlan",["map",[["key","100"],["remote_ip","10.77.0.12"]]],["map",[["tbctl-project","p1"]]],-1,"tbx1-t1: vxlan type requires valid 'remote_ip' argument"],[["uuid","i2"],"tbx1","internal",["map",[]],["map",[]],65534,["set",[]]],[["uuid","i3"],"tbx2","internal",["map",[]],["map",[]],["set",[]],["set",[]]]],"headings":["_uuid","name","type","options","external_ids","ofport","error"]}
    """

    @Test func joinsBridgesPortsAndInterfaces() throws {
        let t = try OVSJSON.tables(Self.listing)
        let bridges = OVSJSON.bridges(bridgeTable: t[0], portTable: t[1], interfaceTable: t[2])
        #expect(bridges.map(\.name) == ["tbx1", "tbx2"])
        let good = bridges[0]
        #expect(good.datapath == .netdev && good.isWorking && good.ofport == 65534 && good.error == nil)
        #expect(good.externalIDs == ["tbctl-network": "lan", "tbctl-project": "p1"])
        let tunnel = try #require(good.port("tbx1-t1"))
        #expect(tunnel.type == "vxlan" && tunnel.options == ["key": "100", "remote_ip": "10.77.0.12"])
        #expect(tunnel.ofport == -1 && !tunnel.isWorking && tunnel.error?.contains("remote_ip") == true)
        // A one-element set comes as a bare uuid; an unset ofport as an empty set.
        let broken = bridges[1]
        #expect(broken.datapath == .system && broken.ofport == nil && !broken.isWorking && broken.ports.count == 1)
    }

    @Test func rejectsGarbage() {
        #expect(throws: TBError.self) { try OVSJSON.tables("ovs-vsctl: no such table") }
    }

    @Test func readsIPAddresses() throws {
        let json = """
        [{"ifindex":7,"ifname":"tg-p-lan","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"addr_info":[{"family":"inet","local":"10.1.0.1","prefixlen":24},{"family":"inet6","local":"fe80::1","prefixlen":64}]},{"ifname":"tbx","flags":["BROADCAST"],"addr_info":[]}]
        """
        let links = try HostAddresses.parse(json)
        #expect(links["tg-p-lan"] == HostAddresses.Link(addresses: ["10.1.0.1/24"], isUp: true))
        #expect(links["tbx"] == HostAddresses.Link(addresses: [], isUp: false))
    }
}

@Suite struct ChangeTests {
    @Test func bridgeSetsDatapathExplicitly() throws {
        let cmds = try OVSChange.addBridge(name: "tb-p-lan", datapath: .system, externalIDs: ["tbctl-project": "p"]).vsctlCommands()
        #expect(cmds == [["--may-exist", "add-br", "tb-p-lan"],
                         ["set", "bridge", "tb-p-lan", "datapath_type=system", "external_ids:\"tbctl-project\"=\"p\""]])
    }

    @Test func tunnelReplacesOptionsWhole() throws {
        let port = DesiredPort.tunnel("tt-x", .geneve, remoteIP: "10.77.0.2", key: 5)
        #expect(try OVSChange.updatePort(bridge: "tb-x", port, reason: "").vsctlCommands() == [
            ["--may-exist", "add-port", "tb-x", "tt-x"],
            ["set", "interface", "tt-x", "type=geneve", "options={\"key\"=\"5\",\"remote_ip\"=\"10.77.0.2\"}", "mtu_request=[]"],
        ])
    }

    @Test func quotingKeepsValuesInert() {
        #expect(OVSChange.quote(#"a "b" \c,{}"#) == #""a \"b\" \\c,{}""#)
    }

    @Test(arguments: [
        DesiredPort.tunnel("this-name-is-too-long", .vxlan, remoteIP: "10.0.0.1", key: 1),
        DesiredPort.tunnel("tt", .vxlan, remoteIP: "10.0.0.256", key: 1),
        DesiredPort.tunnel("tt", .vxlan, remoteIP: "10.0.0.1", key: 1 << 24),
        DesiredPort.tunnel("t t", .gre, remoteIP: "10.0.0.1", key: 1),
        DesiredPort.gateway("tg", address: "10.0.0.1"),
    ])
    func invalidInputIsRefusedBeforeOVS(_ port: DesiredPort) {
        #expect { try OVSChange.addPort(bridge: "tb", port).vsctlCommands() } throws: {
            ($0 as? TBError)?.code == .invalidInput
        }
    }

    @Test func greTakes32BitKeys() throws {
        _ = try OVSChange.addPort(bridge: "tb", .tunnel("tt", .gre, remoteIP: "10.0.0.1", key: (1 << 32) - 1)).vsctlCommands()
    }
}

@Suite struct FlowDumpTests {
    @Test func cookiesOfDumpedFlows() {
        let dump = """
            NXST_FLOW reply (xid=0x4):
             cookie=0x74626370a2535445, priority=1000,dl_dst=52:54:e8:54:76:48 actions=conjunction(1,2/2)
             cookie=0x74626370a2535445, priority=1000,conj_id=1 actions=drop
            """
        #expect(OVSSwitch.cookies(dump) == [0x7462_6370_a253_5445, 0x7462_6370_a253_5445])
        #expect(OVSSwitch.cookies("NXST_FLOW reply (xid=0x4):\n").isEmpty)
    }
}
