import Conditions
import Core
import Foundation
import TestbedState
import Testing

/// A host as conditions see it, in memory: running guests' NICs, bridges' partition flows, and
/// the guests' shaping markers (the script's effect, emulated from its text).
final class FakeHost: ConditionsHost, @unchecked Sendable {
    let name: String
    private let lock = NSLock()
    var live: [String: [String: LiveNIC]] = [:]          // guest -> mac -> NIC (running guests)
    var flows: [String: [UInt64]] = [:]                   // bridge -> cookies
    var markers: [String: Set<String>] = [:]              // guest -> shaped MACs
    var calls: [String] = []
    var failScripts = false

    init(_ name: String, state: TestbedState, running: Bool = true) {
        self.name = name
        for g in state.userGuests where g.host == name && running {
            live[g.name] = Dictionary(uniqueKeysWithValues: g.nics.map { ($0.mac, LiveNIC(mac: $0.mac, tap: "vnet-\(g.name)", linkUp: true, xml: "<interface/>")) })
        }
        for n in state.networks where n.hosts.contains(name) { flows[n.bridge] = [] }
    }

    func locked<T>(_ body: () -> T) -> T { lock.lock(); defer { lock.unlock() }; return body() }

    func liveNICs(_ guest: TestbedState.Guest) async throws -> [String: LiveNIC]? { locked { live[guest.name] } }

    func setLink(_ guest: TestbedState.Guest, _ nic: LiveNIC, up: Bool) async throws {
        locked { live[guest.name]?[nic.mac]?.linkUp = up; calls.append("link \(guest.name) \(nic.mac) \(up ? "up" : "down")") }
    }

    func partitionFlowCookies(bridge: String) async throws -> [UInt64]? { locked { flows[bridge] } }

    func replacePartitionFlows(bridge: String, bundle: String) async throws {
        let adds = bundle.split(separator: "\n").filter { $0.hasPrefix("add ") }
        let cookies = adds.map { UInt64($0.dropFirst("add cookie=0x".count).prefix { $0 != "," }, radix: 16)! }
        locked { flows[bridge] = cookies; calls.append("flows \(bridge) \(cookies.count)") }
    }

    func runInGuest(_ guest: TestbedState.Guest, script: String) async throws -> String {
        if failScripts { throw TBError(.command, "no iproute2 tc in /usr/sbin or /sbin") }
        return locked {
            calls.append("script \(guest.name)")
            var out = ""
            for nic in guest.nics where !nic.isManagement {
                if script.contains("D=$(dev \(nic.mac)) || exit") {
                    markers[guest.name, default: []].insert(nic.mac); out += "changed \(nic.mac)\n"
                } else if script.contains("if [ -e \"$M/\(nic.mac)\" ]"), markers[guest.name]?.contains(nic.mac) == true {
                    markers[guest.name]?.remove(nic.mac); out += "cleared \(nic.mac)\n"
                }
            }
            return out
        }
    }
}

@Suite struct ReconcilerTests {
    let state = Fixture.state
    func hosts() -> (FakeHost, FakeHost) { (FakeHost("main", state: state), FakeHost("rack2", state: state)) }

    @Test func aLinkGoesDownOnItsHostAndComesBackUp() async {
        let (main, rack2) = hosts()
        let rec = Reconciler(state: state, hosts: ["main": main, "rack2": rack2])
        var record = ConditionsRecord()
        let nic = NICRef(guest: "r", network: "lan")
        record.desired.setLink(nic, up: false)
        var (after, report) = await rec.run(record, scope: ConditionsScope(nics: [nic]))
        #expect(report.failures.isEmpty && report.changes == ["link r:lan down"])
        #expect(rack2.calls == ["link r \(Fixture.mac("r", "lan")) down"] && main.calls.isEmpty)
        #expect(after.downNICs == [nic])
        // Again: nothing to do.
        (after, report) = await rec.run(after, scope: .everything)
        #expect(report.changes.isEmpty && rack2.calls.count == 1)
        after.desired.setLink(nic, up: true)
        (after, report) = await rec.run(after, scope: ConditionsScope(nics: [nic]))
        #expect(report.changes == ["link r:lan up"] && after.downNICs.isEmpty)
    }

    @Test func aGuestThatDoesNotRunIsAFailureForDownButNotForUp() async {
        let main = FakeHost("main", state: state), rack2 = FakeHost("rack2", state: state, running: false)
        let rec = Reconciler(state: state, hosts: ["main": main, "rack2": rack2])
        var record = ConditionsRecord()
        record.desired.setLink(NICRef(guest: "r", network: "lan"), up: false)
        let (after, report) = await rec.run(record, scope: .everything)
        #expect(report.failures.map(\.description) == ["guest r on host rack2: guest r is not running: its link on lan is recorded down and `tbctl up` sets it once the guest runs"])
        #expect(after.downNICs.isEmpty)   // nothing was set down
    }

    @Test func impairmentsRunOneScriptPerGuestAndClearingForgetsTheGuest() async {
        let (main, rack2) = hosts()
        let rec = Reconciler(state: state, hosts: ["main": main, "rack2": rack2])
        var record = ConditionsRecord()
        record.desired.impair(network: "lan", between: "main", "rack2", ways: [.out], Netem(delay: 20_000))
        var (after, report) = await rec.run(record, scope: .everything)
        #expect(Set(report.changes) == ["a:lan impaired", "b:lan impaired"])
        #expect(after.shapedGuests == ["a", "b"] && rack2.calls.isEmpty)
        after.desired.clearImpairments()
        (after, report) = await rec.run(after, scope: .everything)
        #expect(Set(report.changes) == ["a:lan no longer impaired", "b:lan no longer impaired"])
        #expect(after.shapedGuests.isEmpty)
    }

    @Test func aGuestThatCannotBeImpairedStaysRecordedAsTouched() async {
        let (main, rack2) = hosts()
        main.failScripts = true
        let rec = Reconciler(state: state, hosts: ["main": main, "rack2": rack2])
        var record = ConditionsRecord()
        record.desired.impair(NICRef(guest: "a", network: "lan"), ways: [.out], Netem(delay: 1_000))
        let (after, report) = await rec.run(record, scope: ConditionsScope(guests: ["a"]))
        #expect(report.failures.count == 1 && report.failures[0].description.hasPrefix("guest a on host main: no iproute2 tc"))
        #expect(after.shapedGuests == ["a"])
    }

    @Test func partitionFlowsAreSetOnceAndRemovedOnHeal() async throws {
        let (main, rack2) = hosts()
        let rec = Reconciler(state: state, hosts: ["main": main, "rack2": rack2])
        var record = ConditionsRecord()
        record.desired.partition(try Resolver(state: state).partition("main", "rack2"))
        var (after, report) = await rec.run(record, scope: ConditionsScope(flows: true))
        let lan = Fixture.bridge("lan")
        #expect(report.failures.isEmpty)
        #expect(main.calls == ["flows \(lan) 12"] && rack2.calls == ["flows \(lan) 12"], "\(main.calls)")
        #expect(after.flowHosts == ["main", "rack2"])
        (after, report) = await rec.run(after, scope: .everything)
        #expect(report.changes.isEmpty && main.calls.count == 1)
        after.desired.heal()
        (after, report) = await rec.run(after, scope: .everything)
        #expect(main.flows[lan] == [] && rack2.flows[lan] == [] && after.flowHosts.isEmpty)
    }

    @Test func anUnreachableHostIsOneFailureAndTheOthersGoOn() async throws {
        let main = FakeHost("main", state: state)
        let rec = Reconciler(state: state, hosts: ["main": main],
                             unreachable: ["rack2": TBError(.ssh, "cannot reach host rack2")])
        var record = ConditionsRecord()
        record.desired.partition(try Resolver(state: state).partition("main", "rack2"))
        let (after, report) = await rec.run(record, scope: ConditionsScope(flows: true))
        #expect(report.failures.map(\.description) == ["host rack2: cannot reach host rack2"])
        #expect(main.calls.count == 1 && after.flowHosts == ["main", "rack2"])
    }
}
