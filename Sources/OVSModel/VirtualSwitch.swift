/// Open vSwitch on one host, as tbctl uses it: read the project's bridges, apply a change set.
/// The OVS target drives the real one through ovs-vsctl; HostFakes keeps one in memory.
public protocol VirtualSwitch: Sendable {
    /// The project's bridges (external_ids:tbctl-project=project) with all their ports; for
    /// its gateway ports also their addresses and link state.
    func bridges(project: String) async throws -> [BridgeInfo]
    /// Runs `changes` as one transaction (removals first) and checks that every bridge and
    /// port it creates or re-configures works; what failed is removed again and reported.
    func apply(_ changes: [OVSChange]) async throws
    /// The cookie of each OpenFlow flow on `bridge` whose cookie matches `match` (`0xV/0xM`,
    /// as ovs-ofctl takes it); nil when the host has no such bridge.
    func flowCookies(bridge: String, matching match: String) async throws -> [UInt64]?
    /// Runs `ovs-ofctl add-flows` lines (`add …`, `delete …`) on `bridge` as one OpenFlow
    /// bundle: all of them or none.
    func applyFlows(bridge: String, _ lines: String) async throws
    /// The host-wide records (the `Open_vSwitch` row's external_ids) whose key starts with
    /// `prefix`: where a host keeps what it knows of each testbed, guests or not.
    func hostRecords(prefix: String) async throws -> [String: String]
    /// Sets (or with nil removes) one host-wide record.
    func setHostRecord(key: String, value: String?) async throws
}

extension VirtualSwitch {
    /// The changes that would make this host's bridges of `project` match `desired`.
    public func plan(_ desired: [DesiredBridge], project: String) async throws -> [OVSChange] {
        OVSPlan.plan(desired: desired, actual: try await bridges(project: project))
    }

    /// Removes every bridge of the project (its ports, tunnels and gateway devices go with it)
    /// in one transaction. Nothing to remove is not an error.
    public func deleteProject(project: String) async throws {
        try await apply(try await bridges(project: project).map { .deleteBridge(name: $0.name) })
    }
}
