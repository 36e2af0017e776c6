import Apply
import Core
import Foundation
import HostFakes
import Hosts
import TestbedState
import TestSupport
import Testing

/// `tbctl snapshot` through fake hosts.
@Suite struct SnapshotTests {
    static func runningLab() async throws -> Testbed {
        let t = try Testbed.webAndDB()
        try await t.up()
        return t
    }

    func snapshotNames(_ t: Testbed) -> [String: [String]] {
        t.lab.host("main").domains.mapValues { $0.snapshots.map(\.name) }
    }

    /// A testbed snapshot pauses every guest, takes every snapshot, resumes them all; a restore
    /// brings back what the guests had then.
    @Test func takeAndRestoreATestbedSnapshot() async throws {
        let t = try await Self.runningLab()
        defer { t.remove() }
        let summary = try await t.snapshots().create("clean")
        #expect(summary.kind == .testbed && summary.hosts == ["main"])
        #expect(summary.guests.map(\.guest) == ["db", "web-0", "web-1"])
        #expect(summary.guests.allSatisfy { $0.state == .running && $0.snapshotSeconds != nil && $0.pausedSeconds != nil })
        let json = try JSONEncoder().encode(summary)
        #expect(try JSONDecoder().decode(CreateSummary.self, from: json) == summary)
        #expect(snapshotNames(t).values.allSatisfy { $0 == ["clean"] })
        #expect(t.lab.host("main").domains.values.allSatisfy { $0.state == .running })
        // Paused all, then snapshotted all, then resumed all.
        let calls = t.lab.calls
        let firstSnap = try #require(calls.firstIndex { $0.op == "domain.createSnapshot" })
        let lastSnap = try #require(calls.lastIndex { $0.op == "domain.createSnapshot" })
        let pauses = calls.indices.filter { calls[$0].op == "domain.suspend" }
        let resumes = calls.indices.filter { $0 > firstSnap && calls[$0].op == "domain.resume" }
        #expect(pauses.count == 3 && pauses.allSatisfy { $0 < firstSnap })
        #expect(resumes.count == 3 && resumes.allSatisfy { $0 > lastSnap })

        t.lab.edit { $0.hosts["main"]?.domains["lab-db"]?.guestFiles["/root/after"] = Array("later".utf8) }
        let restored = try await t.snapshots().restore("clean")
        #expect(restored.guests.map(\.guest) == ["db", "web-0", "web-1"])
        #expect(restored.guests.allSatisfy { $0.state == .running && $0.revertSeconds != nil && $0.pausedSeconds != nil })
        #expect(t.domain("db")?.guestFiles["/root/after"] == nil)
        #expect(t.lab.host("main").domains.values.allSatisfy { $0.state == .running })
        let listing = try await t.snapshots().list()
        #expect(listing.map(\.name) == ["clean"] && listing[0].guests.allSatisfy { $0.present == true })
    }

    /// One guest cannot be snapshotted: the snapshots already taken are deleted again, every
    /// guest runs, nothing is recorded, and the error names the guest.
    @Test func aFailedTestbedSnapshotIsRolledBack() async throws {
        let t = try await Self.runningLab()
        defer { t.remove() }
        t.lab.inject(.failing("domain.createSnapshot", object: "lab-db", "unsupported configuration: disk is raw"))
        let error = await #expect(throws: TBError.self) { try await t.snapshots().create("clean") }
        #expect(error?.message.contains("snapshot clean failed on 1 of 3 guests; it was not kept") == true)
        #expect(error?.message.contains("guest db on host main") == true)
        #expect(error?.message.contains("the snapshots already taken were deleted (web-0, web-1)") == true)
        #expect(snapshotNames(t).values.allSatisfy { $0.isEmpty })
        #expect(!t.lab.host("main").files.values.contains { !$0.snapshots.isEmpty })
        #expect(t.lab.host("main").domains.values.allSatisfy { $0.state == .running })
        #expect(try SnapshotStore(t.workspace).load().snapshots.isEmpty)
    }

    /// Deleting removes the snapshot from every guest and from the record.
    @Test func deleteForgetsTheSnapshotEverywhere() async throws {
        let t = try await Self.runningLab()
        defer { t.remove() }
        _ = try await t.snapshots().create("a")
        _ = try await t.snapshots().create("b", guests: ["db"])
        try await t.snapshots().delete("a")
        #expect(snapshotNames(t) == ["lab-web-0": [], "lab-web-1": [], "lab-db": ["b"]])
        #expect(try SnapshotStore(t.workspace).load().snapshots.map(\.name) == ["b"])
    }
}
