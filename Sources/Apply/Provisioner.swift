import Conditions
import Core
import Foundation
import Hosts
import Plan
import TestbedState
import Workspace

/// `plan`, `up` and `down` for a compiled testbed.
public struct Provisioner: Sendable {
    public let state: TestbedState
    public let workspace: Workspace
    public let progress: Progress
    /// Opens the connections to the hosts (LiveHosts' for real hosts, HostFakes' in tests).
    public let connector: any HostConnector
    /// Run every setup script again (`--rerun-setup`).
    public var rerunSetup = false
    /// Restart running guests whose definition changed (`--restart-changed`).
    public var restartChanged = false
    /// `up --ttl`: the testbed expires this many seconds from now (else as recorded, or `ttl:`).
    public var ttl: Int?
    /// Filled in as `up`, `scale` and `down` go, for `--format json`.
    public var report: ApplyReport?
    /// How guests' boots are waited for (tests shorten it).
    public var bootPolicy = BootPolicy()

    public init(state: TestbedState, workspace: Workspace, progress: Progress, connector: any HostConnector) {
        self.state = state; self.workspace = workspace; self.progress = progress; self.connector = connector
    }

    /// Connects to every host and reads what each has, concurrently.
    public func survey() async -> (HostSet, [String: Inventory], [String: TBError]) {
        var hosts = await HostSet.connect(state, via: connector)
        let connections = hosts.connections.sorted { $0.key < $1.key }
        let results = await concurrentResults(connections) { try await $0.value.inventory(project: state.project) }
        var inventories: [String: Inventory] = [:]
        for ((name, _), r) in zip(connections, results) {
            switch r {
            case .success(let inv): inventories[name] = inv
            case .failure(let e):
                hosts.failures[name] = e.asTBError(.libvirt, "cannot read what host \(name) has").about("host \(name)")
            }
        }
        return (hosts, inventories, hosts.failures)
    }

    public func plan() async throws -> (stages: [Stage], unreachable: [String: TBError], notes: [String]) {
        let (hosts, inventories, failures) = await survey()
        await hosts.closeAll()
        let planner = try planner(inventories)
        return (planner.plan(), failures, notes(planner))
    }

    func planner(_ inventories: [String: Inventory]) throws -> Planner {
        var p = Planner(state: state, inventories: inventories, record: try ApplyContext.loadRecord(workspace),
                        artefacts: try ApplyContext.artefactDigests(state, workspace))
        p.rerunSetup = rerunSetup
        p.restartChanged = restartChanged
        return p
    }

    /// What a user may not expect of the plan: retired hosts that `up` empties, stopped pools
    /// it starts before planning their hosts, and running guests that keep their old
    /// definition until they next boot.
    func notes(_ planner: Planner) -> [String] {
        var out = (state.retiredHosts ?? []).map {
            "host \($0.name) is no longer in the compose file: `up` removes everything of the project from it (images too), then forgets it"
        }
        if let c = try? ConditionsRecord.load(workspace).desired, !c.isEmpty {
            out.append("\(c.lines.count) network condition\(c.lines.count == 1 ? " is" : "s are") recorded (`tbctl status` lists them): `up` puts them back where they are missing")
        }
        out += planner.stoppedPools.map {
            "the storage pool of host \($0) is stopped, so its disks cannot be seen: `up` starts it, then plans that host's images, disks and guests"
        }
        guard !restartChanged else { return out }
        out += state.userGuests.filter { g in planner.inventories[g.host].map { planner.runsOnAnOldDefinition(g, $0) } ?? false }
            .map { "\($0.name) on \($0.host) keeps running on its previous definition until it next powers off; `up --restart-changed` restarts it now" }
        return out
    }

    /// Starts the project pools that exist but are stopped (after a host reboot without
    /// autostart, or `virsh pool-destroy`) and reads those hosts again: a stopped pool hides
    /// its volumes, and planned from "no volumes" every disk would be made again. A host whose
    /// pool does not start is reported like an unreachable one.
    func startStoppedPools(_ hosts: HostSet, _ inventories: inout [String: Inventory],
                           _ unreachable: inout [String: TBError]) async {
        let stopped = inventories.values.filter { $0.poolActive == false }.map(\.host).sorted()
        let results = await concurrentResults(stopped) { name in
            guard let host = hosts[name] else { throw TBError(.internalError, "no connection to host \(name)") }
            progress.line("storage pool \(host.spec.pool) on \(name) is stopped: starting it")
            try await host.startPool()
            return try await host.inventory(project: state.project)
        }
        for (name, r) in zip(stopped, results) {
            switch r {
            case .success(let inv): inventories[name] = inv
            case .failure(let e):
                inventories[name] = nil
                unreachable[name] = e.asTBError(.libvirt, "cannot start the storage pool of host \(name)").about("host \(name)")
            }
        }
    }

    /// Makes every reachable host match the state. Throws one error listing every failure
    /// (and every unreachable host) after all the rest is done. The caller holds the project
    /// lock, taken before it compiled the state (`up`, `scale`).
    public func upLocked() async throws {
        let retiring = try await retireHosts()
        progress.stage("checking \(plural(state.hosts.count, "host"))")
        var (hosts, inventories, unreachable) = await survey()
        unreachable.merge(retiring) { a, _ in a }
        await startStoppedPools(hosts, &inventories, &unreachable)
        try await hosts.closing { [inventories, unreachable] hosts in
            var failed: (any Error)?
            let unrecorded = await recordTestbed(hosts)
            do {
                try await apply(hosts, inventories, unreachable)
                if !unrecorded.isEmpty {
                    throw TBError(.failed, "the testbed could not be recorded on every host (`tbctl ls` and `down --project` miss it there)",
                                  problems: unrecorded.sorted { $0.key < $1.key }.map(\.value))
                }
            } catch { failed = error }
            // Conditions go back where a restart (of a guest, of ovs-vswitchd) lost them, also
            // after a partly failed `up`: on what did come up.
            try await keepConditions(hosts)
            if let failed { throw failed }
        }
    }

    /// `up` keeps the testbed's network conditions (docs/conditions.md): re-applied where
    /// missing, dropped (with a note) where their guest or network is gone.
    func keepConditions(_ hosts: HostSet) async throws {
        let outcome = try await NetworkConditions(state: state, workspace: workspace, connector: connector).reapply(.everything, using: hosts)
        for n in outcome.notes { progress.line("note: network conditions: " + n) }
        for c in outcome.changes { progress.line("network conditions: " + c) }
        guard !outcome.failures.isEmpty else { return }
        throw TBError(.failed, "network conditions could not all be put back (they stay recorded; `tbctl up` retries)",
                      problems: outcome.failures)
    }

    private func apply(_ hosts: HostSet, _ inventories: [String: Inventory], _ unreachable: [String: TBError]) async throws {
        for (name, e) in unreachable.sorted(by: { $0.key < $1.key }) {
            progress.line("host \(name) unreachable: \(e.message)")
            report?.host(name, "unreachable", e)
        }
        let planner = try planner(inventories)
        let stages = planner.plan()
        defer { for n in notes(planner) { progress.line("note: " + n); report?.note(n) } }
        if stages.isEmpty && unreachable.isEmpty {
            progress.line("nothing to do: the testbed matches \(workspace.stateFile)")
            return
        }
        let context = try ApplyContext(state: state, workspace: workspace, hosts: hosts, progress: progress, bootPolicy: bootPolicy)
        let runner = StageRunner(context: context, report: report)
        let failures = try await runner.run(stages)
        try Self.report(failures: failures, unreachable: unreachable, what: "up")
        progress.line("testbed \(state.project) is up: \(plural(state.userGuests.count, "guest")) on \(plural(state.hosts.count, "host"))")
    }

    static func report(failures: [Failure], unreachable: [String: TBError], what: String) throws {
        guard !failures.isEmpty || !unreachable.isEmpty else { return }
        let problems = unreachable.sorted { $0.key < $1.key }.map(\.value) + failures.map(\.error)
        throw TBError(.failed, "`\(what)` did not finish: \(plural(problems.count, "problem")) (what succeeded stays; run `tbctl \(what)` again once fixed)",
                      problems: problems)
    }
}
