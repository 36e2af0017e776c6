import Core
import TestbedState

/// Makes the hosts and guests have the record's desired conditions, within a scope: reads what
/// each has (live link state, partition flows' cookies, the guest's shaping markers) and
/// changes only what differs, concurrently. Failures are carried as data, one per guest, NIC
/// or host; everything else still happens. The returned record says where tbctl has left
/// something to undo.
public struct Reconciler: Sendable {
    public let state: TestbedState
    public let hosts: [String: any ConditionsHost]
    /// Hosts that could not be reached, and why.
    public let unreachable: [String: TBError]

    public init(state: TestbedState, hosts: [String: any ConditionsHost], unreachable: [String: TBError] = [:]) {
        self.state = state; self.hosts = hosts; self.unreachable = unreachable
    }

    public struct Report: Sendable {
        /// What was changed, for people ("link a:lan down", "a:lan impaired").
        public var changes: [String] = []
        public var failures: [TBError] = []
    }

    public func run(_ given: ConditionsRecord, scope: ConditionsScope) async -> (ConditionsRecord, Report) {
        async let links = links(given, scope)
        async let shaping = shaping(given, scope)
        async let flows = flows(given, scope)
        var record = given
        var report = Report()
        for outcome in await links + shaping + flows {
            report.changes += outcome.changes
            if let e = outcome.failure { report.failures.append(e) }
            outcome.touch(&record)
        }
        record.shapedGuests = Array(Set(record.shapedGuests)).sorted()
        record.downNICs = Array(Set(record.downNICs)).sorted()
        record.flowHosts = Array(Set(record.flowHosts)).sorted()
        return (record, report)
    }

    /// One item's result: what it changed, its failure, and its update of the record.
    struct Outcome: Sendable {
        var changes: [String] = []
        var failure: TBError?
        var touch: @Sendable (inout ConditionsRecord) -> Void = { _ in }
    }

    func host(_ name: String) throws -> any ConditionsHost {
        if let h = hosts[name] { return h }
        throw unreachable[name] ?? TBError(.internalError, "host \(name) is not connected")
    }

    // MARK: links

    func links(_ record: ConditionsRecord, _ scope: ConditionsScope) async -> [Outcome] {
        let nics = Set(record.desired.linksDown + record.downNICs).filter { scope.nics?.contains($0) ?? true }.sorted()
        let down = Set(record.desired.linksDown)
        return await concurrentResults(nics) { nic in await link(nic, up: !down.contains(nic)) }.map { try! $0.get() }
    }

    func link(_ nic: NICRef, up: Bool) async -> Outcome {
        let forget: @Sendable (inout ConditionsRecord) -> Void = { $0.downNICs.removeAll { $0 == nic } }
        let keep: @Sendable (inout ConditionsRecord) -> Void = { $0.downNICs.append(nic) }
        guard let g = state.guest(named: nic.guest), let mac = g.nics.first(where: { !$0.isManagement && $0.network == nic.network })?.mac else {
            return Outcome(touch: forget)   // gone from the testbed: nothing left to undo
        }
        do {
            let h = try host(g.host)
            guard let live = try await h.liveNICs(g) else {
                // A guest that does not run boots with its link up; `up` sets it down once it runs.
                if up { return Outcome(touch: forget) }
                return Outcome(failure: TBError(.command, "guest \(g.name) is not running: its link on \(nic.network) is recorded down and `tbctl up` sets it once the guest runs",
                                                object: "guest \(g.name) on host \(g.host)"))
            }
            guard let current = live[mac.lowercased()] else {
                throw TBError(.libvirt, "the running domain \(g.domain) has no NIC with MAC \(mac) (network \(nic.network)): restart it with `tbctl up --restart-changed`")
            }
            var changes: [String] = []
            if current.linkUp != up {
                try await h.setLink(g, current, up: up)
                changes.append("link \(nic) \(up ? "up" : "down")")
            }
            return Outcome(changes: changes, touch: up ? forget : keep)
        } catch {
            let failure = error.asTBError(.libvirt, "cannot set the link of \(nic)").about("guest \(g.name) on host \(g.host)")
            var outcome = Outcome(failure: failure)
            if !up { outcome.touch = keep }
            return outcome
        }
    }

    // MARK: shaping

    func shaping(_ record: ConditionsRecord, _ scope: ConditionsScope) async -> [Outcome] {
        let wanted = record.desired.shaping(state)
        let names = Set(Array(wanted.keys) + record.shapedGuests).filter { scope.guests?.contains($0) ?? true }.sorted()
        return await concurrentResults(names) { name in await shape(name, wanted[name] ?? []) }.map { try! $0.get() }
    }

    func shape(_ name: String, _ nics: [NICShaping]) async -> Outcome {
        let forget: @Sendable (inout ConditionsRecord) -> Void = { $0.shapedGuests.removeAll { $0 == name } }
        let keep: @Sendable (inout ConditionsRecord) -> Void = { $0.shapedGuests.append(name) }
        guard let g = state.guest(named: name) else { return Outcome(touch: forget) }
        let testbedNICs = g.nics.filter { !$0.isManagement }
        let plan = testbedNICs.map { nic in (mac: nic.mac, shaping: nics.first { $0.mac == nic.mac }) }
        do {
            let h = try host(g.host)
            guard try await h.liveNICs(g) != nil else {
                // A guest that does not run has no qdiscs; when it boots it has none either.
                if nics.isEmpty { return Outcome(touch: forget) }
                return Outcome(failure: TBError(.command, "guest \(g.name) is not running: its impairments are recorded and `tbctl up` sets them once it runs",
                                                object: "guest \(g.name) on host \(g.host)"))
            }
            let out = try await h.runInGuest(g, script: ShapingScript.script(guest: g.name, nics: plan))
            let changes = out.split(separator: "\n").compactMap { line -> String? in
                let words = line.split(separator: " ")
                guard words.count == 2, let nic = testbedNICs.first(where: { $0.mac == words[1] }) else { return nil }
                return words[0] == "changed" ? "\(g.name):\(nic.network) impaired" : "\(g.name):\(nic.network) no longer impaired"
            }
            return Outcome(changes: changes, touch: nics.isEmpty ? forget : keep)
        } catch {
            return Outcome(failure: error.asTBError(.command, "cannot change the impairments").about("guest \(g.name) on host \(g.host)"),
                           touch: keep)
        }
    }

    // MARK: partitions

    func flows(_ record: ConditionsRecord, _ scope: ConditionsScope) async -> [Outcome] {
        guard scope.flows else { return [] }
        let wanted = record.desired.partitionFlows(state)
        let names = state.hosts.map(\.name).filter { h in
            record.flowHosts.contains(h) || (wanted[h]?.values.contains { !$0.isEmpty } ?? false)
        }
        return await concurrentResults(names) { name in await flows(on: name, wanted[name] ?? [:]) }.map { try! $0.get() }
    }

    func flows(on name: String, _ bridges: [String: PartitionFlows]) async -> Outcome {
        let any = bridges.values.contains { !$0.isEmpty }
        do {
            let h = try host(name)
            var changes: [String] = []
            for (bridge, flows) in bridges.sorted(by: { $0.key < $1.key }) {
                guard let cookies = try await h.partitionFlowCookies(bridge: bridge) else {
                    if flows.isEmpty { continue }
                    throw TBError(.ovs, "bridge \(bridge) does not exist: run `tbctl up`")
                }
                guard !flows.matches(cookies: cookies) else { continue }
                try await h.replacePartitionFlows(bridge: bridge, bundle: flows.bundle)
                changes.append(flows.isEmpty ? "partition flows removed from \(bridge) on \(name)"
                                             : "partition flows set on \(bridge) on \(name) (\(flows.flows.count))")
            }
            return Outcome(changes: changes, touch: { r in
                r.flowHosts.removeAll { $0 == name }
                if any { r.flowHosts.append(name) }
            })
        } catch {
            return Outcome(failure: error.asTBError(.ovs, "cannot change the partition flows").about("host \(name)"),
                           touch: { $0.flowHosts.append(name) })
        }
    }
}
