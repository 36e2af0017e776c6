import Conditions
import Core
import Foundation
import Testing

/// The per-guest qdiscs and the per-bridge flows the conditions come to.
@Suite struct ShapingTests {
    @Test func aGuestsOwnImpairmentIsNetemOnItsNIC() throws {
        var c = Conditions()
        c.impair(NICRef(guest: "a", network: "dmz"), ways: [.out, .in], Netem(delay: 100_000))
        let s = c.shaping(Fixture.state)
        #expect(Array(s.keys) == ["a"])
        let nic = try #require(s["a"]?.first)
        #expect(nic.mac == Fixture.mac("a", "dmz") && nic.bands.isEmpty)
        #expect(nic.egress == Netem(delay: 100_000) && nic.ingress == Netem(delay: 100_000))
        let script = ShapingScript.script(guest: "a", nics: [(Fixture.mac("a", "lan"), nil), (nic.mac, nic)])
        #expect(script.contains("qdisc replace dev $D root handle 1: netem limit 10000 delay 100ms\n"))
        #expect(script.contains(#"ip link add "$(ifb "$D")" type ifb"#))
        #expect(script.contains("filter add dev $D parent ffff: protocol all u32 match u32 0 0 action mirred egress redirect dev $I\n"))
        #expect(script.contains("qdisc add dev $I root handle 1: netem limit 10000 delay 100ms\""))
        #expect(script.contains("echo \(nic.fingerprint) > \"$M/\(nic.mac)\""))
        // The NIC with nothing desired is cleaned only if tbctl marked it.
        #expect(script.contains("if [ -e \"$M/\(Fixture.mac("a", "lan"))\" ]; then"))
    }

    @Test func betweenHostsEveryGuestOnOneSideGetsABandTowardsTheOther() throws {
        var c = Conditions()
        c.impair(network: "lan", between: "main", "rack2", ways: [.out], Netem(delay: 20_000))
        c.impair(NICRef(guest: "a", network: "lan"), ways: [.out], Netem(loss: 10))
        let s = c.shaping(Fixture.state)
        #expect(Set(s.keys) == ["a", "b"])   // rack2's guests send unimpaired: direction out only
        let a = try #require(s["a"]?.first { $0.mac == Fixture.mac("a", "lan") })
        let towards = ["r", "web-0", "web-1"].map { Fixture.mac($0, "lan") }.sorted()
        #expect(a.bands == [NICShaping.Band(macs: towards, netem: Netem(delay: 20_000, loss: 10))])
        #expect(a.egress == Netem(loss: 10))
        let script = ShapingScript.script(guest: "a", nics: [(a.mac, a)])
        #expect(script.contains("qdisc replace dev $D root handle 1: prio bands 2 priomap 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0"))
        #expect(script.contains("parent 1:1 handle 10: netem limit 10000 loss 10%"))
        #expect(script.contains("parent 1:2 handle 102: netem limit 10000 delay 20ms loss 10%"))
        let hex = towards[0].replacingOccurrences(of: ":", with: "")
        #expect(script.contains("match u16 0x\(hex.prefix(4)) 0xffff at -14 match u32 0x\(hex.suffix(8)) 0xffffffff at -12 flowid 1:2"))
    }

    @Test func theFingerprintFollowsTheShaping() {
        let one = NICShaping(mac: "52:54:00:00:00:01", egress: Netem(delay: 1_000), bands: [], ingress: nil)
        var two = one
        #expect(one.fingerprint == two.fingerprint)
        two.egress = Netem(delay: 2_000)
        #expect(one.fingerprint != two.fingerprint)
    }

    @Test func theScriptRunsAsRootThroughSudoForOtherUsers() {
        #expect(ShapingScript.command(user: "root", script: "echo x") == "sh -c 'echo x'")
        #expect(ShapingScript.command(user: "tbctl", script: "true") == "sudo -n sh -c true")
    }
}

@Suite struct PartitionFlowsTests {
    @Test func aPartitionIsTwoConjunctionsOnEveryBridgeOfEveryHost() throws {
        var c = Conditions()
        c.partition(try Resolver(state: Fixture.state).partition("a,b", "r"))
        let flows = c.partitionFlows(Fixture.state)
        let lan = Fixture.bridge("lan"), dmz = Fixture.bridge("dmz")
        let main = try #require(flows["main"]?[lan])
        #expect(flows["rack2"]?[lan] == main)
        #expect(flows["main"]?[dmz]?.isEmpty == true)   // r is not on dmz: nothing to cut there
        let (a, b, r) = (Fixture.mac("a", "lan"), Fixture.mac("b", "lan"), Fixture.mac("r", "lan"))
        for m in [a, b] {
            #expect(main.flows.contains("priority=1000,dl_src=\(m),actions=conjunction(1,1/2)"))
            #expect(main.flows.contains("priority=1000,dl_dst=\(m),actions=conjunction(2,2/2)"))
        }
        #expect(main.flows.contains("priority=1000,dl_dst=\(r),actions=conjunction(1,2/2)"))
        #expect(main.flows.contains("priority=1000,dl_src=\(r),actions=conjunction(2,1/2)"))
        #expect(main.flows.suffix(2) == ["priority=1000,conj_id=1,actions=drop", "priority=1000,conj_id=2,actions=drop"])
        #expect(main.flows.count == 8)
    }

    @Test func aMACInSeveralPartitionsIsOneFlowWithEveryConjunction() throws {
        var c = Conditions()
        let r = Resolver(state: Fixture.state)
        c.partition(try r.partition("a", "b"))
        c.partition(try r.partition("a", "r"))
        let lan = try #require(c.partitionFlows(Fixture.state)["main"]?[Fixture.bridge("lan")])
        #expect(lan.flows.contains("priority=1000,dl_src=\(Fixture.mac("a", "lan")),actions=conjunction(1,1/2),conjunction(3,1/2)"))
        #expect(lan.flows.filter { $0.contains("dl_src=\(Fixture.mac("a", "lan"))") }.count == 1)
    }

    @Test func theCookieTellsWhetherABridgeHasTheSet() throws {
        var c = Conditions()
        c.partition(try Resolver(state: Fixture.state).partition("main", "rack2"))
        let set = try #require(c.partitionFlows(Fixture.state)["main"]?[Fixture.bridge("lan")])
        #expect(set.cookie & PartitionFlows.mask == PartitionFlows.tag)
        #expect(set.matches(cookies: Array(repeating: set.cookie, count: set.flows.count)))
        #expect(!set.matches(cookies: Array(repeating: set.cookie, count: set.flows.count - 1)))
        #expect(!set.matches(cookies: Array(repeating: PartitionFlows.tag | 1, count: set.flows.count)))
        let lines = set.bundle.split(separator: "\n")
        #expect(lines.first == "delete cookie=0x7462637000000000/0xffffffff00000000")
        #expect(lines.dropFirst().allSatisfy { $0.hasPrefix("add cookie=0x\(String(set.cookie, radix: 16)),priority=1000,") })
        #expect(PartitionFlows(flows: []).bundle == "delete cookie=0x7462637000000000/0xffffffff00000000\n")
    }
}

@Suite struct LinkXMLTests {
    static let domain = """
        <domain type='qemu'><name>lab-a</name><devices>
        <interface type='network'><mac address='52:54:00:aa:00:01'/><source network='lab-mgmt'/><target dev='vnet0'/><model type='virtio'/></interface>
        <interface type='bridge'><mac address='52:54:00:AA:00:02'/><source bridge='tbx'/><virtualport type='openvswitch'/>
          <target dev='vnet1'/><model type='virtio'/><link state='down'/><mtu size='1450'/></interface>
        </devices></domain>
        """

    @Test func liveNICsByMAC() throws {
        let nics = try LinkXML.nics(Self.domain)
        #expect(nics["52:54:00:aa:00:01"]?.linkUp == true && nics["52:54:00:aa:00:01"]?.tap == "vnet0")
        #expect(nics["52:54:00:aa:00:02"]?.linkUp == false && nics["52:54:00:aa:00:02"]?.tap == "vnet1")
    }

    @Test func theUpdateKeepsTheDeviceAndSetsItsLink() throws {
        let nic = try #require(try LinkXML.nics(Self.domain)["52:54:00:aa:00:02"])
        let up = try LinkXML.withLink(nic.xml, up: true)
        #expect(up.contains("<link state=\"up\"") || up.contains("<link state='up'"))
        #expect(!up.contains("down"))
        #expect(up.contains("vnet1") && up.contains("openvswitch") && up.contains("1450"))
        #expect(try LinkXML.nics("<domain><devices>" + up + "</devices></domain>").values.first?.linkUp == true)
    }
}

@Suite struct PcapTests {
    static func stream(_ records: [(UInt32, [UInt8])]) -> [UInt8] {
        let w = PcapWriter()
        return w.header + records.flatMap { w.bytes(PcapReader.Record(seconds: $0.0, micros: 5, originalLength: UInt32($0.1.count), data: $0.1)) }
    }

    @Test func recordsComeWholeWhateverTheChunks() throws {
        let bytes = Self.stream([(1, [1, 2, 3]), (2, Array(repeating: 7, count: 100)), (3, [])])
        for size in [1, 7, 16, 24, 1000] {
            var reader = PcapReader()
            var got: [PcapReader.Record] = []
            var i = 0
            while i < bytes.count {
                got += try reader.feed(Array(bytes[i..<min(i + size, bytes.count)]))
                i += size
            }
            #expect(got.map(\.seconds) == [1, 2, 3], "chunks of \(size)")
            #expect(got[1].data.count == 100 && reader.leftover == 0 && reader.header?.linkType == 1)
        }
    }

    @Test func nanosecondAndBigEndianStreamsAreRead() throws {
        // Big-endian, nanosecond magic; one record of 2 bytes at 1.000002000 s.
        var bytes: [UInt8] = [0xa1, 0xb2, 0x3c, 0x4d, 0, 2, 0, 4] + [UInt8](repeating: 0, count: 8) + [0, 0, 0xff, 0xff, 0, 0, 0, 1]
        bytes += [0, 0, 0, 1, 0, 0, 0x07, 0xd0, 0, 0, 0, 2, 0, 0, 0, 2, 0xaa, 0xbb]
        var reader = PcapReader()
        let r = try reader.feed(bytes)
        #expect(r == [PcapReader.Record(seconds: 1, micros: 2, originalLength: 2, data: [0xaa, 0xbb])])
    }

    @Test func notPcapIsAnErrorWithWhatCameInstead() {
        var reader = PcapReader()
        #expect(throws: TBError.self) { _ = try reader.feed(Array("tcpdump: syntax error in filter expression xx".utf8)) }
    }
}
