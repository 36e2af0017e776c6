import TestbedState

/// State + what the hosts have + what tbctl recorded -> the ordered stages of `up`.
/// Pure, so `tbctl plan` shows exactly what `up` would do, and tests need no host.
public struct Planner: Sendable {
    public struct ArtefactDigests: Sendable, Equatable {
        public var seed: String
        public var domainXML: String
        public init(seed: String, domainXML: String) { self.seed = seed; self.domainXML = domainXML }
    }

    public let state: TestbedState
    /// Hosts that answered; a host missing here gets no actions (its error is reported apart).
    public let inventories: [String: Inventory]
    public let record: AppliedRecord
    public let artefacts: [String: ArtefactDigests]
    /// Run every setup script again (`up --rerun-setup`).
    public var rerunSetup = false
    /// Shut down and start again the running guests whose definition changed (`up
    /// --restart-changed`); otherwise they keep running on the old one until their next boot.
    public var restartChanged = false

    public init(state: TestbedState, inventories: [String: Inventory], record: AppliedRecord,
                artefacts: [String: ArtefactDigests]) {
        self.state = state; self.inventories = inventories; self.record = record; self.artefacts = artefacts
    }

    public func plan() -> [Stage] {
        var stages: [Stage.Kind: [Action]] = [:]
        var fresh = Set<String>()   // guests whose disk is (re)made: setup must run again
        for host in state.hosts {
            guard let inv = inventories[host.name] else { continue }
            stages[.prune, default: []] += prune(host, inv)
            stages[.hostPrep, default: []] += hostPrep(host, inv)
            stages[.network, default: []] += network(host, inv)
            // A stopped pool hides its volumes: planned from "none", every disk would be made
            // again and its guest stopped for it. `up` starts such a pool and looks again first.
            guard knowsVolumes(host.name) else { continue }
            stages[.images, default: []] += images(host, inv)
            stages[.disks, default: []] += disks(host, inv, fresh: &fresh)
            let (define, stop, start) = domains(host, inv, fresh: fresh)
            stages[.define, default: []] += define
            stages[.stop, default: []] += stop
            stages[.start, default: []] += start
            stages[.setup, default: []] += setup(host, inv, fresh: fresh)
        }
        let (build, copy) = goldens()
        stages[.golden] = build
        stages[.distribute] = copy
        return Stage.Kind.allCases.compactMap { kind in
            stages[kind].flatMap { $0.isEmpty ? nil : Stage(kind: kind, actions: $0) }
        }
    }

    func guests(on host: String) -> [Guest] { state.guests.filter { $0.host == host } }

    /// The host answered and its volumes could be read (its pool runs, or does not exist yet).
    func knowsVolumes(_ host: String) -> Bool { inventories[host].map { $0.poolActive != false } ?? false }

    /// Hosts whose pool exists but is stopped: nothing that needs their volumes is planned.
    public var stoppedPools: [String] { inventories.values.filter { $0.poolActive == false }.map(\.host).sorted() }

    /// Volumes the host should have: base and golden images it needs, disks and seeds of its guests.
    func expectedVolumes(_ host: String) -> Set<String> {
        var out = Set(state.images.filter { $0.hosts.contains(host) }.map(\.volume))
        for s in state.services { if let g = s.golden, g.host == host || g.hosts.contains(host) { out.insert(g.volume) } }
        for g in guests(on: host) where g.role.kind != .golden { out.insert(g.disk.volume) }
        for g in guests(on: host) { if let seed = g.seedVolume { out.insert(seed) } }
        return out
    }
}
