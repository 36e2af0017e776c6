import Testing
@testable import Hosts

@Suite struct InterfaceMACTests {
    @Test func tapToMACFromLiveXML() {
        let xml = """
            <domain type='qemu' id='7'><devices>
              <interface type='network'>
                <mac address='52:54:e8:7c:15:fa'/>
                <source network='lab-mgmt' portid='x' bridge='virbr3'/>
                <target dev='vnet12'/>
                <model type='virtio'/>
              </interface>
              <interface type='bridge'>
                <mac address="52:54:e8:7c:17:ad"/>
                <source bridge='tb-lab-lan'/>
                <virtualport type='openvswitch'><parameters interfaceid='y'/></virtualport>
                <target dev='vnet13'/>
              </interface>
              <interface type='user'><mac address='52:54:00:00:00:09'/></interface>
            </devices></domain>
            """
        #expect(InterfaceMACCache.parse(xml) == ["vnet12": "52:54:e8:7c:15:fa", "vnet13": "52:54:e8:7c:17:ad"])
    }
}
