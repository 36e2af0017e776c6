import Conditions
import Core
import Hosts
import TestbedState
import Workspace

/// The network conditions of a testbed, as the CLI (`link`, `impair`, `partition`) and
/// scenario jobs change them: each call changes the desired conditions in
/// `.testbed/conditions.json` and makes the affected hosts and guests match. Names are
/// resolved by the caller (`Resolver`), before anything changes. The caller holds the
/// project lock.
public struct NetworkConditions: Sendable {
    public let state: TestbedState
    public let workspace: Workspace
    public let connector: any HostConnector

    public init(state: TestbedState, workspace: Workspace, connector: any HostConnector) {
        self.state = state; self.workspace = workspace; self.connector = connector
    }

    /// What a call did: the changes made, and one failure per guest, NIC or host that could
    /// not be changed (the desired conditions are recorded all the same: `up` retries).
    public struct Outcome: Sendable {
        public var changes: [String] = []
        public var failures: [TBError] = []
        public var notes: [String] = []
    }

    /// A resolved request (`ConditionRequest.resolved`), as the CLI and scenario jobs make it.
    public func perform(_ c: ResolvedCondition) async throws -> Outcome {
        switch c {
        case .link(let nic, let up): return try await setLink(nic, up: up)
        case .impairNIC(let nic, let ways, let netem): return try await impair(nic, ways: ways, netem)
        case .impairPath(let n, let a, let b, let ways, let netem): return try await impair(network: n, between: a, b, ways: ways, netem)
        case .clearNIC(let nic, let ways): return try await clear(nic, ways: ways)
        case .clearPath(let n, let a, let b, let ways): return try await clear(network: n, between: a, b, ways: ways)
        case .clearAll: return try await clearImpairments()
        case .partition(let p): return try await partition(p)
        case .heal: return try await heal()
        }
    }

    public func setLink(_ nic: NICRef, up: Bool) async throws -> Outcome {
        try await change(ConditionsScope(nics: [nic])) { $0.setLink(nic, up: up) }
    }

    public func impair(_ nic: NICRef, ways: [Way], _ netem: Netem) async throws -> Outcome {
        try await change(ConditionsScope(guests: [nic.guest])) { $0.impair(nic, ways: ways, netem) }
    }

    public func clear(_ nic: NICRef, ways: [Way] = Way.allCases) async throws -> Outcome {
        try await change(ConditionsScope(guests: [nic.guest])) { $0.clear(nic, ways: ways) }
    }

    /// `impair NETWORK --between A,B`: the network's guests on both hosts are checked.
    public func impair(network: String, between a: String, _ b: String, ways: [Way], _ netem: Netem) async throws -> Outcome {
        try await change(pathScope(network, a, b)) { $0.impair(network: network, between: a, b, ways: ways, netem) }
    }

    public func clear(network: String, between a: String, _ b: String, ways: [Way] = Way.allCases) async throws -> Outcome {
        try await change(pathScope(network, a, b)) { $0.clear(network: network, between: a, b, ways: ways) }
    }

    /// `impair --clear --all`: every impairment, of guests and between hosts.
    public func clearImpairments() async throws -> Outcome {
        try await change(ConditionsScope(guests: nil)) { $0.clearImpairments() }
    }

    public func partition(_ p: Partition) async throws -> Outcome {
        try await change(ConditionsScope(flows: true)) { $0.partition(p) }
    }

    public func heal() async throws -> Outcome {
        try await change(ConditionsScope(flows: true)) { $0.heal() }
    }

    /// Puts the recorded conditions back where they are missing: `up` (a guest restarted, a
    /// vswitchd restarted) and `snapshot restore` (a revert brings back the snapshot's qdiscs
    /// and link states). Conditions on guests or networks the testbed no longer has are
    /// dropped, each with a note.
    public func reapply(_ scope: ConditionsScope = .everything) async throws -> Outcome {
        try await reapply(scope, using: nil)
    }

    /// After a snapshot revert of `guests`: the snapshot may hold qdiscs and link states of its
    /// time, whatever the record says now, so every NIC of those guests is checked.
    func afterRevert(_ guests: Set<String>, using hosts: HostSet) async throws -> Outcome {
        var record = try ConditionsRecord.load(workspace)
        let scope = ConditionsScope.guests(guests, state: state)
        record.shapedGuests += guests
        record.downNICs += scope.nics ?? []
        let (kept, notes) = record.desired.pruned(for: state)
        record.desired = kept
        var outcome = try await apply(record, scope, using: hosts)
        outcome.notes = notes
        return outcome
    }

    /// `reapply` over connections the caller holds (`up` has them open already).
    func reapply(_ scope: ConditionsScope, using hosts: HostSet?) async throws -> Outcome {
        var record = try ConditionsRecord.load(workspace)
        guard !record.isEmpty else { return Outcome() }
        let (kept, notes) = record.desired.pruned(for: state)
        record.desired = kept
        var outcome = try await apply(record, scope, using: hosts)
        outcome.notes = notes
        return outcome
    }

    /// The recorded conditions (what `status` shows).
    public func current() throws -> Conditions { try ConditionsRecord.load(workspace).desired }

    // MARK: -

    func pathScope(_ network: String, _ a: String, _ b: String) -> ConditionsScope {
        let guests = state.userGuests.filter { g in
            (g.host == a || g.host == b) && g.nics.contains { !$0.isManagement && $0.network == network }
        }
        return ConditionsScope(guests: Set(guests.map(\.name)))
    }

    func change(_ scope: ConditionsScope, _ edit: (inout Conditions) -> Void) async throws -> Outcome {
        var record = try ConditionsRecord.load(workspace)
        edit(&record.desired)
        try checkBands(record.desired)
        return try await apply(record, scope)
    }

    /// A guest's NIC has one `prio` qdisc of at most 16 bands: one for all other traffic and
    /// one per destination host.
    func checkBands(_ desired: Conditions) throws {
        for (guest, nics) in desired.shaping(state) {
            for n in nics where n.bands.count > 15 {
                throw TBError(.invalidInput, "guest \(guest) would need \(n.bands.count) destination bands on one NIC; at most 15 hosts can be impaired from one host")
            }
        }
    }

    /// Records the desired conditions, and where they may change something, before touching
    /// anything (a tbctl killed half-way leaves a record the next command or `up` finishes);
    /// then reconciles and records where tbctl has left something to undo.
    func apply(_ given: ConditionsRecord, _ scope: ConditionsScope, using held: HostSet? = nil) async throws -> Outcome {
        var record = given
        let shaping = record.desired.shaping(state)
        record.shapedGuests += shaping.keys.filter { scope.guests?.contains($0) ?? true }
        record.downNICs += record.desired.linksDown.filter { scope.nics?.contains($0) ?? true }
        if scope.flows {
            let flows = record.desired.partitionFlows(state)
            record.flowHosts += flows.filter { $0.value.values.contains { !$0.isEmpty } }.keys
        }
        record.shapedGuests = Array(Set(record.shapedGuests)).sorted()
        record.downNICs = Array(Set(record.downNICs)).sorted()
        record.flowHosts = Array(Set(record.flowHosts)).sorted()
        try record.save(workspace)

        let hostNames = hosts(for: record, scope)
        guard !hostNames.isEmpty else { return Outcome() }
        let set: HostSet
        if let held { set = held } else {
            set = await HostSet.connect(state.hosts.filter { hostNames.contains($0.name) }, via: connector)
        }
        let adapters = set.connections.mapValues {
            HostConditions(connection: $0, user: state.user, keyFile: workspace.keyFile) as any ConditionsHost
        }
        let (after, report) = await Reconciler(state: state, hosts: adapters, unreachable: set.failures).run(record, scope: scope)
        if held == nil { await set.closeAll() }
        try after.save(workspace)
        return Outcome(changes: report.changes, failures: report.failures)
    }

    /// The hosts a reconcile in this scope talks to.
    func hosts(for record: ConditionsRecord, _ scope: ConditionsScope) -> Set<String> {
        var names = Set<String>()
        let guests = Set(record.shapedGuests + Array(record.desired.shaping(state).keys)).filter { scope.guests?.contains($0) ?? true }
        let nics = Set(record.downNICs + record.desired.linksDown).filter { scope.nics?.contains($0) ?? true }
        for name in guests.union(nics.map(\.guest)) {
            if let g = state.guest(named: name) { names.insert(g.host) }
        }
        if scope.flows && (!record.desired.partitions.isEmpty || !record.flowHosts.isEmpty) {
            names.formUnion(state.hosts.map(\.name))
        }
        return names
    }
}
