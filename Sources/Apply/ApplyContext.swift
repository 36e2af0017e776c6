import Core
import Foundation
import Hosts
import Plan
import TestbedState
import Workspace

/// Everything an action needs: the state, live host connections, the workspace's files,
/// progress output and the record of what has been done (saved as it changes, so a killed
/// `up` loses at most the action that was running).
public final class ApplyContext: Sendable {
    public let state: TestbedState
    public let workspace: Workspace
    public let hosts: HostSet
    public let progress: Progress
    /// How boots are waited for: the start stage's and golden builders'.
    public let bootPolicy: BootPolicy
    let record: Locked<AppliedRecord>

    public init(state: TestbedState, workspace: Workspace, hosts: HostSet, progress: Progress,
                bootPolicy: BootPolicy = BootPolicy()) throws {
        self.state = state; self.workspace = workspace; self.hosts = hosts; self.progress = progress
        self.bootPolicy = bootPolicy
        self.record = Locked(try Self.loadRecord(workspace))
    }

    public static func loadRecord(_ workspace: Workspace) throws -> AppliedRecord {
        try workspace.readJSON(AppliedRecord.self, "applied.json") ?? AppliedRecord()
    }

    public var currentRecord: AppliedRecord { record.current }

    /// Changes the record and writes it at once (atomically, under the lock, so concurrent
    /// actions never write an older record over a newer one).
    func update(_ change: (inout AppliedRecord) -> Void) throws {
        try record.withLock { r in
            change(&r)
            try workspace.writeJSON(r, "applied.json")
        }
    }

    func host(_ name: String) throws -> any HostConnection {
        guard let h = hosts[name] else {
            throw hosts.failures[name] ?? TBError(.internalError, "host \(name) is not connected")
        }
        return h
    }

    func guest(_ name: String) throws -> Guest {
        guard let g = state.guest(named: name) else { throw TBError(.notFound, "no guest \(name) in the state") }
        return g
    }

    func artefact(_ guest: String, _ file: String) -> String { workspace.artefacts(of: guest) + "/" + file }

    /// SHA-256 of the artefacts the planner compares with what the hosts have.
    public static func artefactDigests(_ state: TestbedState, _ workspace: Workspace) throws -> [String: Planner.ArtefactDigests] {
        var out: [String: Planner.ArtefactDigests] = [:]
        for g in state.guests {
            let dir = workspace.artefacts(of: g.name)
            guard let seed = FileManager.default.contents(atPath: dir + "/seed.iso"),
                  let xml = FileManager.default.contents(atPath: dir + "/domain.xml") else {
                throw TBError(.notFound, "artefacts of guest \(g.name) are missing in \(dir): run `tbctl generate-artefacts`")
            }
            out[g.name] = .init(seed: Digest.sha256Hex(seed), domainXML: Digest.sha256Hex(xml))
        }
        return out
    }
}
