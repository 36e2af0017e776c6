import Core
import OVSModel
import Plan
import TestbedState

/// What one host has of every tbctl testbed: the records `up` left (docs/fleet.md) and what
/// libvirt shows, grouped by the project in each domain's tbctl mark, never by name prefix
/// (`lab` must not claim `lab-test`'s domains).
public struct HostTestbeds: Sendable {
    public struct Presence: Sendable, Equatable {
        /// Domain name -> state.
        public var domains: [String: Inventory.DomainState] = [:]
        /// Bytes the project's storage pool takes on disk (nil: no pool, or stopped).
        public var diskBytes: UInt64?
        public init() {}
    }
    public var records: [String: TestbedRecord] = [:]
    /// Projects whose record this tbctl cannot read (another version wrote it).
    public var unreadable: [String] = []
    public var present: [String: Presence] = [:]
    public init() {}

    public var projects: Set<String> { Set(records.keys).union(present.keys).union(unreadable) }
}

extension HostConnection {
    public func testbedRecords() async throws -> (records: [String: TestbedRecord], unreadable: [String]) {
        var records: [String: TestbedRecord] = [:], unreadable: [String] = []
        for (key, value) in try await ovs.hostRecords(prefix: TestbedRecord.keyPrefix) {
            let project = String(key.dropFirst(TestbedRecord.keyPrefix.count))
            if let r = TestbedRecord.decode(value), r.project == project { records[project] = r } else { unreadable.append(project) }
        }
        return (records, unreadable.sorted())
    }

    public func testbedRecord(project: String) async throws -> TestbedRecord? {
        try await testbedRecords().records[project]
    }

    public func writeTestbedRecord(_ record: TestbedRecord) async throws {
        try await ovs.setHostRecord(key: TestbedRecord.key(project: record.project), value: try record.encoded())
    }

    public func removeTestbedRecord(project: String) async throws {
        try await ovs.setHostRecord(key: TestbedRecord.key(project: project), value: nil)
    }

    /// Every testbed on this host: records, domains by project, each project's disk use.
    public func testbeds() async throws -> HostTestbeds {
        async let recorded = testbedRecords()
        let domains = try await libvirt.allDomains()
        let marked = try await concurrentMap(domains) { d -> (String, String, Inventory.DomainState)? in
            // A domain undefined meanwhile is simply not there any more.
            guard let meta = try? await d.metadata(uri: DomainMetadata.guestNamespace),
                  let project = DomainMetadata.attribute("project", in: meta),
                  let state = try? await d.state() else { return nil }
            return (project, d.name, Self.state(state))
        }
        var out = HostTestbeds()
        (out.records, out.unreadable) = try await recorded
        for case let (project, name, state)? in marked { out.present[project, default: .init()].domains[name] = state }
        let projects = Array(out.projects).sorted()
        let disks = await concurrentResults(projects) { try await self.diskUse(project: $0) }
        for (p, r) in zip(projects, disks) {
            if case .success(let bytes?) = r { out.present[p, default: .init()].diskBytes = bytes }
        }
        return out
    }

    /// Bytes the project's pool takes on disk; nil without a started pool.
    func diskUse(project: String) async throws -> UInt64? {
        guard let pool = try await libvirt.storagePool(named: Names.pool(project: project)),
              try await pool.isActive() else { return nil }
        let sizes = try await concurrentMap(try await pool.volumes()) { try await $0.info().allocation }
        return sizes.reduce(0, +)
    }
}
