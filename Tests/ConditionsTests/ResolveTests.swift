import Conditions
import Core
import Testing

/// Names from the command line: each error names the object and what exists instead.
@Suite struct ResolveTests {
    let r = Resolver(state: Fixture.state)

    func message(_ body: () throws -> Any) -> String {
        do { _ = try body(); return "no error" } catch let e as TBError {
            #expect(e.code == .invalidInput)
            return e.message
        } catch { return "\(error)" }
    }

    @Test func nics() throws {
        #expect(try r.nic("a:dmz") == NICRef(guest: "a", network: "dmz"))
        #expect(try r.nic("b") == NICRef(guest: "b", network: "lan"))
        #expect(try r.nic(guest: "web-1", network: "lan") == NICRef(guest: "web-1", network: "lan"))
    }

    @Test func badNICsSayWhatExists() {
        #expect(message { try r.nic("a") }.contains("guest a is on 2 networks (lan, dmz): name one, e.g. a:lan"))
        #expect(message { try r.nic("zz:lan") }.contains("no guest `zz` in testbed lab"))
        #expect(message { try r.nic("web-O:lan") }.contains("did you mean `web-0`?"))
        #expect(message { try r.nic("web:lan") }.contains("`web` is a service: name one of its guests (web-0, web-1)"))
        #expect(message { try r.nic("b:dmz") } == "guest b is not on network dmz; it is on: lan")
        #expect(message { try r.nic("b:wan") }.contains("no network `wan` in testbed lab"))
        #expect(message { try r.nic("b:management") }.contains("management network cannot be changed"))
        #expect(message { try r.nic("c") }.contains("guest c is on no network of testbed lab"))
    }

    /// Clearing everything takes no direction: refused rather than quietly clearing both.
    @Test func clearingAllTakesNoDirection() throws {
        #expect(try ConditionRequest.clear(nil, nil).resolved(r) == .clearAll)
        #expect(message { try ConditionRequest.clear(nil, .in).resolved(r) }.contains("a direction does not go with clearing all impairments"))
        #expect(try ConditionRequest.clear(.nic("b"), .in).resolved(r) == .clearNIC(NICRef(guest: "b", network: "lan"), [.in]))
    }

    @Test func hostPairs() throws {
        #expect(try r.hostPair(network: "lan", "main,rack2") == ("main", "rack2"))
        #expect(message { try r.hostPair(network: "lan", "main") }.contains("give two hosts"))
        #expect(message { try r.hostPair(network: "lan", "main,main") }.contains("two different hosts"))
        #expect(message { try r.hostPair(network: "lan", "main,rack9") }.contains("no host `rack9`"))
        #expect(message { try r.hostPair(network: "dmz", "main,rack2") }.contains("network dmz has no guest on host rack2; its guests are on: main"))
    }

    @Test func groupsNameGuestsServicesAndHosts() throws {
        #expect(try r.group("a,web") == [Member(.guest, "a"), Member(.service, "web")])
        #expect(try r.group("host:rack2") == [Member(.host, "rack2")])
        #expect(r.guests(try r.group("rack2")) == ["r", "web-0", "web-1"])
        #expect(r.guests(try r.group("web")) == ["web-0", "web-1"])
        #expect(message { try r.group("a,,b") }.contains("empty name"))
        #expect(message { try r.group("nope") }.contains("no guest, service or host `nope`"))
        #expect(message { try r.group("service:a") }.contains("no service `a`"))
    }

    @Test func partitionGroupsMustNotOverlapNorBeEmpty() throws {
        let p = try r.partition("main", "rack2")
        #expect(p.a == [Member(.host, "main")] && p.b == [Member(.host, "rack2")])
        #expect(message { try r.partition("a,r", "rack2") } == "guest r would be in both groups")
        #expect(message { try r.partition("c", "r") } == "the groups share no network, so there is nothing to cut: `c` is on none, `r` on lan")
    }
}

@Suite struct EditTests {
    @Test func impairMergesPerDirectionAndClearRemoves() {
        var c = Conditions()
        let a = NICRef(guest: "a", network: "lan")
        c.impair(a, ways: [.out], Netem(delay: 100_000))
        c.impair(a, ways: [.out, .in], Netem(loss: 30))
        #expect(c.impairments == [NICImpairment(nic: a, way: .out, netem: Netem(delay: 100_000, loss: 30)),
                                  NICImpairment(nic: a, way: .in, netem: Netem(loss: 30))])
        c.clear(a, ways: [.in])
        #expect(c.impairments.count == 1)
        c.impair(a, ways: [.out], Netem(delay: 0, loss: 0))
        #expect(c.impairments.isEmpty)
    }

    @Test func pathsAreDirectedFromTheFirstHost() {
        var c = Conditions()
        c.impair(network: "lan", between: "main", "rack2", ways: Direction.both.ways, Netem(delay: 5_000))
        #expect(c.paths.map(\.label) == ["lan main->rack2", "lan rack2->main"])
        c.clear(network: "lan", between: "main", "rack2", ways: [.in])
        #expect(c.paths.map(\.label) == ["lan main->rack2"])
    }

    @Test func linksAndPartitions() throws {
        var c = Conditions()
        c.setLink(NICRef(guest: "b", network: "lan"), up: false)
        c.setLink(NICRef(guest: "a", network: "lan"), up: false)
        #expect(c.linksDown.map(\.description) == ["a:lan", "b:lan"])
        c.setLink(NICRef(guest: "a", network: "lan"), up: true)
        #expect(c.linksDown.map(\.description) == ["b:lan"])
        let p = try Resolver(state: Fixture.state).partition("main", "rack2")
        c.partition(p); c.partition(p)
        #expect(c.partitions.count == 1)
        c.heal()
        #expect(c.partitions.isEmpty)
    }

    @Test func conditionsOnGuestsThatAreGoneAreDroppedWithANote() {
        var c = Conditions()
        c.setLink(NICRef(guest: "gone", network: "lan"), up: false)
        c.impair(NICRef(guest: "a", network: "lan"), ways: [.out], Netem(delay: 1_000))
        c.partition(Partition(a: [Member(.guest, "gone")], b: [Member(.guest, "a")]))
        c.partition(Partition(a: [Member(.guest, "gone"), Member(.guest, "b")], b: [Member(.guest, "a")]))
        let (kept, notes) = c.pruned(for: Fixture.state)
        #expect(kept.linksDown.isEmpty && kept.impairments.count == 1)
        #expect(kept.partitions == [Partition(a: [Member(.guest, "b")], b: [Member(.guest, "a")])])
        #expect(notes.contains("link of gone:lan dropped: the testbed has no such NIC any more"), "\(notes)")
        #expect(notes.contains("partition dropped: one of its groups holds no guest any more"), "\(notes)")
    }
}

@Suite struct CaptureTargetTests {
    let r = Resolver(state: Fixture.state)

    @Test func networksAndNICs() throws {
        #expect(try r.captureTarget("lan") == .network("lan"))
        #expect(try r.captureTarget("a:dmz") == .nic(NICRef(guest: "a", network: "dmz")))
        #expect(try r.captureTarget("b") == .nic(NICRef(guest: "b", network: "lan")))
        #expect(CaptureTarget.nic(NICRef(guest: "a", network: "dmz")).defaultFile == "a-dmz.pcap")
        #expect(CaptureTarget.network("lan").defaultFile == "lan.pcap")
        #expect(throws: TBError.self) { try r.captureTarget("wan") }
        #expect(throws: TBError.self) { try r.captureTarget("a") }   // two networks: name one
    }
}

@Suite struct CaptureScriptTests {
    @Test func aNICCaptureIsTcpdumpOnTheTapWithItsPidRecorded() {
        let s = CaptureScript.nic(id: "tbcap00000001", tap: "vnet7", seconds: 10, filter: ["icmp and host 10.0.0.1"])
        #expect(s.contains("timeout 10 tcpdump -i vnet7 -U -w - 'icmp and host 10.0.0.1' &"))
        #expect(s.contains(#"echo $P > "$PIDF""#) && s.contains("PIDF=/run/tbctl-$ID.pid"))
        #expect(!s.contains("-Q in"))
    }

    @Test func aNetworkCaptureMirrorsTheGuestPortsToItsOwnPortAndCleansUp() {
        let s = CaptureScript.network(id: "tbcap00000002", project: "lab", bridge: "tbx", ports: ["vnet1", "vnet2"],
                                      seconds: nil, filter: [])
        #expect(s.contains("-- --id=@p0 get port vnet1 -- --id=@p1 get port vnet2"))
        #expect(s.contains("create mirror name=$ID select_src_port=@p0,@p1 output_port=@o -- add bridge tbx mirrors @m"))
        #expect(s.contains("external_ids:tbctl-project=lab external_ids:tbctl-capture=$$"))
        #expect(s.contains("\ntcpdump -i tbcap00000002 -Q in -U -w - &") && !s.contains("timeout "))
        #expect(s.contains("trap cleanup EXIT") && s.contains("--if-exists del-port tbx $ID"))
        #expect(CaptureScript.stop(id: "tbcap00000002").contains("kill -TERM"))
    }
}
