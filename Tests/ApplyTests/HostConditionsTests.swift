@testable import Apply
import Testing

@Suite struct HostConditionsTests {
    @Test func cookiesOfDumpedFlows() {
        let dump = """
            NXST_FLOW reply (xid=0x4):
             cookie=0x74626370a2535445, priority=1000,dl_dst=52:54:e8:54:76:48 actions=conjunction(1,2/2)
             cookie=0x74626370a2535445, priority=1000,conj_id=1 actions=drop
            """
        #expect(HostConditions.cookies(dump) == [0x7462_6370_a253_5445, 0x7462_6370_a253_5445])
        #expect(HostConditions.cookies("NXST_FLOW reply (xid=0x4):\n").isEmpty)
    }
}
