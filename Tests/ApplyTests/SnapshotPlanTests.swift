import Apply
import Compiler
import ComposeModel
import Core
import Foundation
import TestbedState
import Testing
import Workspace

/// The parts of `tbctl snapshot` that need no host: names, which guests, the record file,
/// the all-or-nothing decision after a partly failed snapshot, how guests are reverted.
@Suite struct SnapshotPlanTests {
    /// solo, web-0, web-1 and the golden builder web-golden, on host main.
    static let state: TestbedState = {
        func guest(_ name: String, replicas: Int? = nil, golden: Bool = false) -> GuestSpec {
            GuestSpec(name: name, mark: nil, image: "demo", cpus: 1, memoryMiB: 128, diskBytes: nil, host: nil,
                      networks: [NICSpec(network: "lan", mark: nil, ip: nil, mac: nil)], setup: nil, files: [], env: [],
                      userData: nil, replicas: replicas, replicasMark: nil, goldenSetup: golden ? "/lab/golden.sh" : nil)
        }
        let compose = ComposeFile(
            path: "/lab/testbed.yaml", project: "lab", user: "root",
            management: ManagementSpec(subnet: Subnet("10.150.0.0/16")!, mark: nil),
            hosts: [HostSpec(name: "main", mark: nil, uri: nil, ssh: nil, identity: nil, tunnelIP: nil,
                             accel: .tcg, datapath: .netdev, cpus: nil, memoryMiB: nil)],
            images: [ImageSpec(name: "demo", mark: nil, source: "/lab/demo.qcow2", sha256: nil, format: .qcow2)],
            networks: [NetworkSpec(name: "lan", mark: nil, subnet: Subnet("10.10.0.0/24")!, gateway: nil, tunnel: .vxlan)],
            guests: [guest("solo"), guest("web", replicas: 2, golden: true)])
        return try! Compiler.compile(CompileInput(
            compose: compose, composeDigest: "c0ffee", projectKey: try! Ed25519Key(seed: Array(repeating: 9, count: 32)),
            previous: nil, replicaOverrides: [:], knownHostsFile: "/lab/.testbed/known_hosts",
            digest: { Digest.sha256Hex(Array($0.utf8)) }, header: { _ in [0x51, 0x46, 0x49, 0xfb] }))
    }()

    @Test func names() {
        for ok in ["base", "before-patch", "v1.2_rc", "0day"] { #expect(SnapshotName.problem(ok) == nil, "\(ok)") }
        for bad in ["", "a b", "-x", ".hidden", "x/y", "<x>", "é", String(repeating: "a", count: 65)] {
            #expect(SnapshotName.problem(bad) != nil, "\(bad)")
        }
    }

    @Test func aTestbedSnapshotCoversEveryGuestButTheGoldenBuilder() throws {
        #expect(Self.state.guests.map(\.name).contains("web-golden"))
        let (kind, guests) = try SnapshotPlan.guestsToSnapshot(Self.state, only: [])
        #expect(kind == .testbed)
        #expect(guests.map(\.name) == ["solo", "web-0", "web-1"])
    }

    @Test func guestSnapshotsTakeTheNamedGuestsOnce() throws {
        let (kind, guests) = try SnapshotPlan.guestsToSnapshot(Self.state, only: ["web-1", "solo", "web-1"])
        #expect(kind == .guests)
        #expect(guests.map(\.name) == ["web-1", "solo"])
    }

    @Test func unknownGuestsAndTheGoldenBuilderAreRefusedTogether() {
        #expect {
            try SnapshotPlan.guestsToSnapshot(Self.state, only: ["nosuch", "web-golden", "solo"])
        } throws: { e in
            let m = (e as! TBError).message
            return m.contains("no guest nosuch") && m.contains("web-golden builds the golden image of service web")
        }
    }

    static func run(_ g: String, paused: Bool = true, pauseError: String? = nil, taken: Bool = true, error: String? = nil) -> SnapshotPlan.Run {
        var r = SnapshotPlan.Run(guest: g, host: "main", state: paused || pauseError != nil ? .running : .shutoff)
        r.pausedByUs = paused && pauseError == nil
        r.pauseError = pauseError.map { .init($0) }
        r.snapshotTaken = taken && error == nil && pauseError == nil
        r.snapshotError = error.map { .init($0) }
        return r
    }

    @Test func aCompleteSnapshotIsKeptAndEveryPausedGuestResumed() {
        let d = SnapshotPlan.decide([Self.run("solo"), Self.run("web-0"), Self.run("off", paused: false)], interrupted: false)
        #expect(d == .init(keep: true, delete: [], resume: ["solo", "web-0"]))
    }

    @Test func oneFailedGuestRollsBackTheOthersAndStillResumesAll() {
        let runs = [Self.run("solo"), Self.run("web-0", error: "internal snapshot for disk vdb unsupported"), Self.run("off", paused: false)]
        let d = SnapshotPlan.decide(runs, interrupted: false)
        #expect(d == .init(keep: false, delete: ["solo", "off"], resume: ["solo", "web-0"]))
        let e = SnapshotPlan.failure("base", runs: runs, interrupted: false, rollbackErrors: [:])
        #expect(e.message.contains("failed on 1 of 3 guests"))
        #expect(e.message.contains("- guest web-0 on host main: internal snapshot for disk vdb unsupported"))
        #expect(e.message.contains("were deleted (solo, off)"))
    }

    @Test func aFailedPauseTakesNoSnapshotAndResumesThePausedOnes() {
        // A pause failed: no snapshot was attempted at all.
        let runs = [Self.run("solo", taken: false), Self.run("web-0", pauseError: "domain is not running")]
        let d = SnapshotPlan.decide(runs, interrupted: false)
        #expect(d == .init(keep: false, delete: [], resume: ["solo"]))
        #expect(SnapshotPlan.failure("x", runs: runs, interrupted: false, rollbackErrors: [:]).message.contains("no guest has it"))
    }

    @Test func anInterruptedSnapshotIsRolledBack() {
        let d = SnapshotPlan.decide([Self.run("solo"), Self.run("web-0")], interrupted: true)
        #expect(d == .init(keep: false, delete: ["solo", "web-0"], resume: ["solo", "web-0"]))
    }

    @Test func aFailedRollbackIsReported() {
        let runs = [Self.run("solo"), Self.run("web-0", error: "boom")]
        let e = SnapshotPlan.failure("base", runs: runs, interrupted: false, rollbackErrors: ["solo": "cannot delete snapshot"])
        #expect(e.message.contains("deleting the snapshots already taken failed on solo"))
        #expect(e.message.contains("- rollback on guest solo: cannot delete snapshot"))
    }

    @Test func revertKeepsWhatEachGuestWasDoing() {
        #expect(SnapshotPlan.revert(.running) == .pausedThenResume)
        #expect(SnapshotPlan.revert(.paused) == .paused)
        #expect(SnapshotPlan.revert(.shutoff) == .shutoff)
    }

    static let base = SnapshotRecord.Snapshot(name: "base", kind: .testbed, createdAt: "2026-11-23T10:00:00Z", guests: [
        .init(guest: "web-0", host: "main", domain: "lab-web-0", state: .running),
        .init(guest: "solo", host: "main", domain: "lab-solo", state: .shutoff),
    ])

    @Test func theRecordFileFormat() throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        let json = String(decoding: try enc.encode(SnapshotRecord(snapshots: [Self.base])), as: UTF8.self)
        #expect(json == #"{"schemaVersion":1,"snapshots":[{"createdAt":"2026-11-23T10:00:00Z","guests":[{"domain":"lab-solo","guest":"solo","host":"main","state":"shutoff"},{"domain":"lab-web-0","guest":"web-0","host":"main","state":"running"}],"hosts":["main"],"kind":"testbed","name":"base"}]}"#)
        #expect(try JSONDecoder().decode(SnapshotRecord.self, from: Data(json.utf8)) == SnapshotRecord(snapshots: [Self.base]))
    }

    @Test func forgettingGuestsDropsEmptySnapshots() {
        var r = SnapshotRecord(snapshots: [Self.base, .init(name: "one", kind: .guests, createdAt: "t", guests: [
            .init(guest: "solo", host: "main", domain: "lab-solo", state: .running)])])
        r.forget(guests: ["solo"])
        #expect(r.snapshots.map(\.name) == ["base"])
        #expect(r.snapshots[0].guests.map(\.guest) == ["web-0"])
        r.forget(guests: ["web-0"])
        #expect(r.snapshots.isEmpty)
    }

    @Test func theStoreWritesOnlyChangesAndForgetsWithoutAFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("snaptest-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = SnapshotStore(Workspace(composeFile: dir + "/testbed.yaml"))
        try store.forget(guests: ["solo"])
        #expect(!FileManager.default.fileExists(atPath: dir + "/.testbed/snapshots.json"))
        try store.update { $0.add(Self.base) }
        #expect(try store.load().snapshot(named: "base") == Self.base)
        try store.forget(guests: ["solo", "web-0"])
        #expect(try store.load().snapshots.isEmpty)
    }

    @Test func restoreOrDeleteOfSomeGuests() throws {
        #expect(try SnapshotPlan.entries(of: Self.base, only: []).map(\.guest) == ["solo", "web-0"])
        #expect(try SnapshotPlan.entries(of: Self.base, only: ["web-0"]).map(\.guest) == ["web-0"])
        #expect { try SnapshotPlan.entries(of: Self.base, only: ["web-1"]) } throws: { e in
            (e as! TBError).message.contains("does not include guest web-1; it has solo, web-0")
        }
    }

    @Test func restoreRefusesGuestsThatAreGoneOrMoved() throws {
        let s = SnapshotRecord.Snapshot(name: "old", kind: .testbed, createdAt: "t", guests: [
            .init(guest: "solo", host: "main", domain: "lab-solo", state: .running),
            .init(guest: "web-2", host: "main", domain: "lab-web-2", state: .running),
            .init(guest: "web-1", host: "rack2", domain: "lab-web-1", state: .running),
        ])
        try SnapshotPlan.checkStillThere([s.guests[0]], snapshot: "old", state: Self.state)
        #expect { try SnapshotPlan.checkStillThere(s.guests, snapshot: "old", state: Self.state) } throws: { e in
            let m = (e as! TBError).message
            return m.contains("guest web-2 (host main) no longer exists") && m.contains("guest web-1 was on host rack2")
                && m.contains("restore the other guests with --guest")
        }
    }

    @Test func qemuImgInfoSizes() throws {
        let json = """
            {"virtual-size": 1073741824, "filename": "/p/solo.qcow2", "format": "qcow2",
             "snapshots": [{"icount": 0, "vm-clock-nsec": 1, "name": "base", "date-sec": 1, "date-nsec": 0,
                            "vm-clock-sec": 9, "id": "1", "vm-state-size": 88572440},
                           {"name": "off", "id": "2", "vm-state-size": 0, "date-sec": 1, "date-nsec": 0,
                            "vm-clock-sec": 0, "vm-clock-nsec": 0}]}
            """
        #expect(try Snapshots.parseQemuImgInfo(json) == ["base": 88572440, "off": 0])
        #expect(try Snapshots.parseQemuImgInfo(#"{"format": "qcow2"}"#) == [:])
    }
}
