import Core
import Foundation
import Hosts
import Plan
import TestbedState
import Workspace

/// Every testbed on a set of hosts, whoever made it (docs/fleet.md): what `ls` lists and what
/// `reap`, `extend` and `down --project` work on, read from each host's records and libvirt,
/// never from a project folder.
public struct Fleet: Sendable {
    public let connector: any HostConnector
    public init(connector: any HostConnector) { self.connector = connector }

    public struct HostResult: Sendable {
        public var host: TestbedState.Host
        public var result: Result<HostTestbeds, TBError>
    }

    /// Surveys `hosts` concurrently, each place once, then the hosts that the records found
    /// name and that were not asked (the remote hosts of a testbed made on this machine).
    public func survey(_ hosts: [TestbedState.Host]) async -> [HostResult] {
        var seen = Set<String>()
        var out: [HostResult] = []
        var next = hosts
        while !next.isEmpty {
            let round = next.filter { seen.insert($0.place).inserted }
            let results = await concurrentResults(round) { h in await surveyOne(h) }
            out += zip(round, results).map { h, r in HostResult(host: h, result: (try? r.get()) ?? .failure(TBError(.cancelled, "interrupted"))) }
            next = out.flatMap { r in (try? r.result.get())?.records.values.flatMap(\.hosts) ?? [] }
                .filter { !seen.contains($0.place) }
        }
        return out
    }

    private func surveyOne(_ host: TestbedState.Host) async -> Result<HostTestbeds, TBError> {
        do {
            let c = try await connector.connect(host)
            return .success(try await withCleanup({ try await c.testbeds() }, cleanup: c.close))
        } catch {
            return .failure(HostSet.unreachable(host.name, error))
        }
    }

    /// The testbed's record as the hosts hold it: the master's when it answered (it is
    /// written there first), else the first found.
    public static func record(_ project: String, in results: [HostResult]) -> TestbedRecord? {
        let found = results.compactMap { r in (try? r.result.get().records[project]).flatMap { $0 }.map { (r.host.place, $0) } }
        return found.first { $0.1.hosts.first?.place == $0.0 }?.1 ?? found.first?.1
    }

    /// The hosts to remove project `project` from: its record's, and every other surveyed host
    /// that has something of it; each with the project's object names.
    public static func hosts(of project: String, in results: [HostResult]) -> [TestbedState.Host] {
        var out = record(project, in: results)?.hosts ?? []
        for r in results where (try? r.result.get().projects.contains(project)) == true && !out.contains(where: { $0.place == r.host.place }) {
            var h = r.host
            h.isMaster = out.isEmpty && h.ssh == nil
            out.append(h)
        }
        // The master comes first in a state; without a local host, the first host stands for it.
        out.sort { ($0.ssh == nil ? 0 : 1) < ($1.ssh == nil ? 0 : 1) }
        return out.map { $0.forProject(project) }
    }

    /// What is left of a testbed with no state to go by: its hosts, nothing else. `down` over
    /// it removes the project's domains, volumes, network, bridges and record by name.
    public static func remains(project: String, composeFile: String, hosts: [TestbedState.Host]) -> TestbedState {
        var hs = hosts
        for i in hs.indices { hs[i].isMaster = i == 0 }
        return TestbedState(project: project, composeFile: composeFile, composeDigest: "", user: "root", sshPublicKey: "",
                            hosts: hs, images: [], networks: [], tunnels: [], services: [], guests: [])
    }

    /// Sets the expiry of `record` on every host of `hosts` that has the testbed.
    public func setExpiry(_ record: TestbedRecord, expires: Double?, on hosts: [TestbedState.Host]) async -> [String: TBError] {
        var changed = record
        changed.expires = expires
        let updated = changed
        let results = await concurrentResults(hosts) { h in
            let c = try await connector.connect(h)
            try await withCleanup({ try await c.writeTestbedRecord(updated) }, cleanup: c.close)
        }
        var failures: [String: TBError] = [:]
        for (h, r) in zip(hosts, results) {
            if case .failure(let e) = r { failures[h.name] = HostSet.unreachable(h.name, e) }
        }
        return failures
    }
}

/// One testbed as `ls` shows it (`tbctl ls --format json`, docs/cli.md).
public struct TestbedListing: Sendable, Encodable, Equatable {
    public var project: String
    /// user@machine; nil when no host had a record (made by an older tbctl, or its record lost).
    public var owner: String?
    public var composeFile: String?
    /// The testbed's hosts (the record's names), or where its objects were found.
    public var hosts: [String]
    /// Domains by state: running, paused, shutoff, other.
    public var guests: [String: Int]
    public var created: Double?
    public var expires: Double?
    public var secondsLeft: Double?
    public var expired: Bool
    public var local: Bool
    /// Bytes its storage pools take on disk, over the hosts that answered.
    public var diskBytes: UInt64
    /// Hosts of the testbed that could not be asked.
    public var unreachable: [String]

    public init(project: String, owner: String?, composeFile: String?, hosts: [String], guests: [String: Int],
                created: Double?, expires: Double?, secondsLeft: Double?, expired: Bool, local: Bool,
                diskBytes: UInt64, unreachable: [String]) {
        self.project = project; self.owner = owner; self.composeFile = composeFile; self.hosts = hosts
        self.guests = guests; self.created = created; self.expires = expires; self.secondsLeft = secondsLeft
        self.expired = expired; self.local = local; self.diskBytes = diskBytes; self.unreachable = unreachable
    }

    public static func list(_ results: [HostResult], now: Double) -> [TestbedListing] {
        let projects = Set(results.flatMap { (try? $0.result.get().projects) ?? [] })
        return projects.sorted().map { p in
            let record = Fleet.record(p, in: results)
            var guests: [String: Int] = [:], disk: UInt64 = 0, found: [String] = []
            for r in results {
                guard let t = try? r.result.get(), t.projects.contains(p) else { continue }
                found.append(r.host.name)
                let presence = t.present[p] ?? .init()
                for s in presence.domains.values { guests[s.rawValue, default: 0] += 1 }
                disk += presence.diskBytes ?? 0
            }
            let failed = Set(results.filter { (try? $0.result.get()) == nil }.map(\.host.place))
            return TestbedListing(project: p, owner: record?.owner, composeFile: record?.composeFile,
                                  hosts: record.map { $0.hosts.map(\.name) }.flatMap { $0.isEmpty ? nil : $0 } ?? found, guests: guests,
                                  created: record?.created, expires: record?.expires, secondsLeft: record?.secondsLeft(now: now),
                                  expired: record?.isExpired(now: now) ?? false, local: record?.local ?? false, diskBytes: disk,
                                  unreachable: record?.hosts.filter { failed.contains($0.place) }.map(\.name) ?? [])
        }
    }
}

public typealias HostResult = Fleet.HostResult
