import Core
import Foundation
import Libvirt
import TestbedState
import Testing

extension E2E {
/// `tbctl snapshot` on real QEMU (TCG) guests: the lab `snap` (project e2esnap) has `solo` and
/// the clones `web-0`, `web-1`. Checked as a user would: files and hostnames over SSH, the
/// snapshots libvirt has, `snapshot list`, exit codes and messages.
@Suite(.serialized) struct SnapshotTests {
    static let project = "e2esnap"
    static let guests = ["solo", "web-0", "web-1"]

    @Test func testbedAndGuestSnapshotsRestoreListAndDelete() async throws {
        let lab = try TestLab(fixture: "snap")
        defer { lab.removeDir() }
        try await lab.tbctl("down", "--purge")
        try await up(lab)

        // A file in two guests, then a snapshot of the whole testbed.
        for g in ["solo", "web-0"] { try await check(lab, g, "echo before > /root/marker && sync") }
        let create = try await lab.json(CLI.SnapshotCreate.self, "snapshot", "create", "base")
        let taken = try create.doc()
        #expect(create.status == 0 && taken.name == "base" && taken.kind == "testbed" && taken.hosts == ["main"], "\(create)")
        #expect(taken.guests.map(\.guest) == Self.guests && taken.guests.allSatisfy { $0.state == "running" && $0.host == "main" }, "\(create)")
        #expect(taken.guests.allSatisfy { ($0.pausedSeconds ?? 0) > 0 && ($0.pausedSeconds ?? 0) <= taken.seconds }, "\(create)")
        #expect(taken.guests.allSatisfy { ($0.snapshotSeconds ?? 0) > 0 && ($0.snapshotSeconds ?? 0) <= ($0.pausedSeconds ?? 0) }, "\(create)")
        #expect(try await domainStates(lab) == ["running", "running", "running"])   // no shutdown, no pause left
        for d in try lab.state.userGuests.map(\.domain) { #expect(try await snapshotNames(d) == ["base"], "\(d)") }

        // Change both guests: the file goes, the hostname changes.
        for g in ["solo", "web-0"] {
            try await check(lab, g, "rm /root/marker && hostname changed-\(g)")
            #expect(try await lab.ssh(g, "hostname; ls /root").stdout == "changed-\(g)\n")
        }

        // Restore: the file is back and the hostname as before, in both guests.
        let restore = try await lab.json(CLI.SnapshotRestore.self, "snapshot", "restore", "base")
        #expect(restore.status == 0 && restore.document?.guests.map(\.guest) == Self.guests, "\(restore)")
        #expect(restore.document?.guests.allSatisfy { $0.state == "running" && $0.pausedSeconds != nil && ($0.revertSeconds ?? 0) > 0 } == true,
                "\(restore)")
        for g in ["solo", "web-0"] {
            #expect(try await lab.ssh(g, "cat /root/marker; hostname").stdout == "before\n\(g)\n", "\(g)")
        }
        #expect(try await domainStates(lab) == ["running", "running", "running"])

        // The record: a testbed snapshot of the three guests, all running when it was taken.
        let record = try #require(try lab.workspace.readJSON(SnapshotFile.self, "snapshots.json"))
        #expect(record.snapshots.map(\.name) == ["base"])
        #expect(record.snapshots[0].kind == "testbed" && record.snapshots[0].hosts == ["main"])
        #expect(record.snapshots[0].guests.map(\.guest) == Self.guests)
        #expect(record.snapshots[0].guests.allSatisfy { $0.state == "running" && $0.host == "main" })

        // A snapshot of one guest, restored without touching the others.
        try await check(lab, "web-1", "echo one > /root/one && sync")
        let one = try await lab.tbctl("snapshot", "create", "one", "--guest", "web-1")
        #expect(one.status == 0, "\(one.stdout)\(one.stderr)")
        try await check(lab, "web-1", "rm /root/one && echo later > /root/later")
        try await check(lab, "solo", "echo later > /root/later")
        let back = try await lab.tbctl("snapshot", "restore", "one")
        #expect(back.status == 0, "\(back.stdout)\(back.stderr)")
        #expect(try await lab.ssh("web-1", "ls /root").stdout == "one\n")
        #expect(try await lab.ssh("solo", "cat /root/later").stdout == "later\n")
        #expect(try await snapshotNames("e2esnap-solo") == ["base"])

        // list: a table, and JSON with guests, hosts and the saved memory's size.
        let table = try await lab.tbctl("snapshot", "list")
        #expect(table.status == 0)
        let lines = table.stdout.split(separator: "\n")
        #expect(lines.count == 3 && lines[0].hasPrefix("NAME") && lines[1].hasPrefix("base ") && lines[2].hasPrefix("one "), "\(table.stdout)")
        #expect(lines[1].contains("testbed") && lines[1].contains("solo,web-0,web-1") && lines[1].contains("MiB"), "\(table.stdout)")
        let listed = try await lab.json(CLI.SnapshotList.self, "snapshot", "list").doc().snapshots
        #expect(listed.map(\.name) == ["base", "one"])
        #expect(listed[0].guests.map(\.guest) == Self.guests && listed[0].hosts == ["main"])
        #expect(listed[0].guests.allSatisfy { $0.present == true && ($0.sizeBytes ?? 0) > 1 << 20 })
        #expect(listed[1].kind == "guests" && listed[1].guests.map(\.guest) == ["web-1"])
        #expect(listed.allSatisfy { ($0.sizeBytes ?? 0) > 0 })
        let ofSolo = try await lab.json(CLI.SnapshotList.self, "snapshot", "list", "--guest", "solo").doc()
        #expect(ofSolo.snapshots.map(\.name) == ["base"])

        // Mistakes are refused, each with a clear message and the status of its class:
        // a name taken (4), a bad or unknown name (2).
        let dup = try await lab.tbctl("snapshot", "create", "base")
        #expect(dup.status == 4 && dup.stderr.contains("already a snapshot called base"), "\(dup.stderr)")
        let dupJSON = try await lab.json(CLI.SnapshotCreate.self, "snapshot", "create", "base")
        #expect(dupJSON.status == 4 && dupJSON.document == nil && dupJSON.error?.code == "conflict" && dupJSON.error?.exitStatus == 4, "\(dupJSON)")
        let badName = try await lab.tbctl("snapshot", "create", "a/b")
        #expect(badName.status == 2 && badName.stderr.contains("letters, digits"), "\(badName.stderr)")
        let unknown = try await lab.tbctl("snapshot", "restore", "nosuch")
        #expect(unknown.status == 2 && unknown.stderr.contains("no snapshot nosuch") && unknown.stderr.contains("base, one"), "\(unknown.stderr)")
        let notIn = try await lab.tbctl("snapshot", "restore", "one", "--guest", "solo")
        #expect(notIn.status == 2 && notIn.stderr.contains("does not include guest solo"), "\(notIn.stderr)")

        // A shut-off guest: snapshotted as it is, and restored shut off; a running snapshot
        // restored onto it brings it back running, as it was then.
        let lv = try await LibvirtConnection.open("qemu:///system")
        try await lv.domain(named: "e2esnap-solo")!.destroy()
        let off = try await lab.tbctl("snapshot", "create", "off", "--guest", "solo")
        #expect(off.status == 0, "\(off.stdout)\(off.stderr)")
        try await lv.domain(named: "e2esnap-solo")!.start()
        #expect(try await lab.tbctl("snapshot", "restore", "off").status == 0)
        #expect(try await lv.domain(named: "e2esnap-solo")!.state() == .shutoff)
        #expect(try await lab.tbctl("snapshot", "restore", "base", "--guest", "solo").status == 0)
        #expect(try await lab.ssh("solo", "cat /root/marker; ls /root").stdout == "before\nmarker\n")
        await lv.close()

        // delete: from every guest, or from some.
        #expect(try await lab.tbctl("snapshot", "delete", "one").status == 0)
        #expect(try await lab.tbctl("snapshot", "delete", "off").status == 0)
        #expect(try await snapshotNames("e2esnap-web-1") == ["base"])
        let partial = try await lab.json(CLI.SnapshotDelete.self, "snapshot", "delete", "base", "--guest", "web-0")
        #expect(partial.status == 0 && partial.document?.deletedFrom == ["web-0"] && partial.document?.remaining == ["solo", "web-1"], "\(partial)")
        #expect(try await snapshotNames("e2esnap-web-0") == [])
        let rest = try await lab.json(CLI.SnapshotList.self, "snapshot", "list").doc().snapshots
        #expect(rest.map(\.name) == ["base"] && rest[0].guests.map(\.guest) == ["solo", "web-1"])

        // down removes the guests and their snapshots, and forgets them.
        #expect(try await lab.tbctl("down", "--purge").status == 0)
        #expect(try lab.workspace.readJSON(SnapshotFile.self, "snapshots.json")?.snapshots.isEmpty == true)
        #expect(try await lab.json(CLI.SnapshotList.self, "snapshot", "list").doc().snapshots.isEmpty)
        #expect(try await lab.tbctl("snapshot", "list").stdout == "no snapshots\n")
        #expect(try await Leftovers.of(project: Self.project) == Leftovers())
    }

    /// internal snapshots need every writable disk to be qcow2: a raw disk hot-plugged into
    /// web-1 makes its snapshot fail, after solo's and web-0's were taken.
    @Test func aGuestThatCannotBeSnapshottedFailsTheTestbedSnapshotAndLeavesNothing() async throws {
        let lab = try TestLab(fixture: "snap")
        defer { lab.removeDir() }
        try await lab.tbctl("down", "--purge")
        try await up(lab)

        let lv = try await LibvirtConnection.open("qemu:///system")
        let pool = try #require(try await lv.storagePool(named: "tbctl-\(Self.project)"))
        let raw = try await pool.createVolume(xml: """
            <volume><name>extra.raw</name><capacity unit='bytes'>1048576</capacity><target><format type='raw'/></target></volume>
            """)
        try await lv.domain(named: "e2esnap-web-1")!.attachDevice(xml: """
            <disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='\(try await raw.path())'/><target dev='vdb' bus='virtio'/></disk>
            """, .live)

        let bad = try await lab.tbctl("snapshot", "create", "bad")
        #expect(bad.status == 1, "\(bad.stdout)\(bad.stderr)")
        // The error names the guest, its host and libvirt's reason...
        #expect(bad.stderr.contains("snapshot bad failed on 1 of 3 guests"), "\(bad.stderr)")
        #expect(bad.stderr.contains("guest web-1 on host main"), "\(bad.stderr)")
        #expect(bad.stderr.contains("internal snapshot for disk vdb unsupported for storage type raw"), "\(bad.stderr)")
        // ...and nothing is left: no guest has the snapshot, none is recorded, all run and answer.
        for d in try lab.state.userGuests.map(\.domain) { #expect(try await snapshotNames(d) == [], "\(d)") }
        #expect(try lab.workspace.readJSON(SnapshotFile.self, "snapshots.json")?.snapshots.isEmpty ?? true)
        #expect(try await lab.json(CLI.SnapshotList.self, "snapshot", "list").doc().snapshots.isEmpty)
        #expect(try await domainStates(lab) == ["running", "running", "running"])
        for g in Self.guests { #expect(try await lab.ssh(g, "hostname").stdout == "\(g)\n") }

        // The other guests can still be snapshotted, and web-1 on its own fails the same way.
        let good = try await lab.tbctl("snapshot", "create", "good", "--guest", "solo", "--guest", "web-0")
        #expect(good.status == 0, "\(good.stdout)\(good.stderr)")
        let alone = try await lab.tbctl("snapshot", "create", "alone", "--guest", "web-1")
        #expect(alone.status == 1 && alone.stderr.contains("guest web-1 on host main"), "\(alone.stderr)")
        #expect(try await snapshotNames("e2esnap-web-1") == [])
        await lv.close()

        #expect(try await lab.tbctl("down", "--purge").status == 0)
        #expect(try await Leftovers.of(project: Self.project) == Leftovers())
    }

    // MARK: - helpers

    func up(_ lab: TestLab) async throws {
        let up = try await lab.tbctl("up")
        try #require(up.status == 0, "\(up.stdout)\(up.stderr)")
    }

    /// Runs a command in a guest and expects it to succeed.
    func check(_ lab: TestLab, _ guest: String, _ command: String) async throws {
        let r = try await lab.ssh(guest, command)
        #expect(r.status == 0, "\(guest): \(command): \(r.stdout)\(r.stderr)")
    }

    /// libvirt's state of each guest's domain, in guest order.
    func domainStates(_ lab: TestLab) async throws -> [String] {
        let lv = try await LibvirtConnection.open("qemu:///system")
        var out: [String] = []
        for g in try lab.state.userGuests { out.append(try await lv.domain(named: g.domain)?.state().rawValue ?? "missing") }
        await lv.close()
        return out
    }

    /// The snapshots libvirt has of a domain, sorted.
    func snapshotNames(_ domain: String) async throws -> [String] {
        let lv = try await LibvirtConnection.open("qemu:///system")
        let names = try await lv.domain(named: domain)?.snapshots().map(\.name).sorted() ?? []
        await lv.close()
        return names
    }

    /// `.testbed/snapshots.json` as a user's script would read it.
    struct SnapshotFile: Decodable {
        struct Snapshot: Decodable {
            struct Guest: Decodable { var guest: String; var host: String; var domain: String; var state: String }
            var name: String; var kind: String; var createdAt: String; var guests: [Guest]; var hosts: [String]
        }
        var schemaVersion: Int
        var snapshots: [Snapshot]
    }
}
}
