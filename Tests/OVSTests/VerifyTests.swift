@testable import OVS
@testable import OVSModel
import TestSupport
import Testing

@Suite struct VerifyTests {
    static let bridge = DesiredBridge(name: "tb-p-lan", datapath: .system, project: "p", network: "lan", ports: [
        .tunnel("tt-p-lan-b", .vxlan, remoteIP: "10.77.0.12", key: 1),
    ])
    static let changes = OVSPlan.plan(desired: [bridge], actual: [])

    @Test func workingResultHasNoFailures() {
        #expect(Verify.failures(of: Self.changes, in: reported([Self.bridge])).isEmpty)
    }

    @Test func brokenBridgeIsOneFailureAndIsDeletedWhole() {
        var host = reported([Self.bridge])
        host[0].ofport = nil
        host[0].ports = host[0].ports.map { var p = $0; p.ofport = nil; return p }
        let failures = Verify.failures(of: Self.changes, in: host)
        #expect(failures == [.init(bridge: "tb-p-lan", port: nil, detail: "no ofport", datapath: .system)])
        #expect(Verify.cleanup(failures) == [.deleteBridge(name: "tb-p-lan")])
        let text = Verify.error(failures, location: "host h1", vsctlStderr: "ovs-vsctl: Error detected", kernelModule: false).description
        #expect(text.hasPrefix("host h1: Open vSwitch did not set up bridge tb-p-lan: no ofport (removed again)."))
        #expect(text.contains("use `datapath: netdev`"))
        #expect(text.contains("cause: ovs-vsctl: Error detected"))
    }

    @Test func brokenPortOnGoodBridgeIsDeletedAlone() {
        var host = reported([Self.bridge])
        let i = host[0].ports.firstIndex { $0.name == "tt-p-lan-b" }!
        host[0].ports[i].ofport = -1
        host[0].ports[i].error = "bad"
        let failures = Verify.failures(of: Self.changes, in: host)
        #expect(failures.map(\.what) == ["port tt-p-lan-b on bridge tb-p-lan"])
        #expect(Verify.cleanup(failures) == [.deletePort(bridge: "tb-p-lan", port: "tt-p-lan-b")])
        #expect(!Verify.error(failures, location: "h", vsctlStderr: "", kernelModule: nil).description.contains("netdev"))
    }

    @Test func missingRowsAreFailures() {
        #expect(Verify.failures(of: Self.changes, in: []).map(\.detail) == ["missing after the transaction"])
    }
}
