import Apply
import ArgumentParser
import Foundation
import TestbedState
import Workspace

struct SnapshotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Take, restore, list and delete snapshots of the testbed's guests.",
        discussion: """
            A snapshot saves each guest's disk and, for a running guest, its memory: restoring it \
            brings the guest back exactly as it was, processes and all, with no reboot. Snapshots \
            live inside each guest's disk on its host (libvirt internal snapshots); \
            .testbed/snapshots.json records which guests each name covers.

            Without --guest a snapshot covers the whole testbed: every running guest is paused, \
            every guest snapshotted, then all are resumed, so the guests' clocks and network \
            state line up; restoring it brings all guests back together. With --guest only the \
            named guests are covered. Golden image builders are never snapshotted.

            Examples:
              tbctl snapshot create clean                  the whole testbed
              tbctl snapshot create before-patch --guest web-0 --guest web-1
              tbctl snapshot restore clean                 every guest back to `clean`
              tbctl snapshot restore clean --guest db      only db
              tbctl snapshot list
              tbctl snapshot delete before-patch
            """,
        subcommands: [Create.self, Restore.self, List.self, Delete.self])

    static func snapshots(_ options: ProjectOptions, tty: Bool? = nil) throws -> Snapshots {
        let workspace = Workspace(composeFile: options.file)
        let state = try TestbedState.load(from: workspace.stateFile)
        let progress = tty.map { Progress(verbose: options.verbose, tty: $0) } ?? Progress(verbose: options.verbose)
        return Snapshots(state: state, workspace: workspace, progress: progress, connector: workspace.liveHosts)
    }

    static func checkName(_ name: String) throws {
        if let problem = SnapshotName.problem(name) { throw ValidationError(problem) }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Snapshot the whole testbed, or the guests given with --guest.",
            discussion: """
                Running guests keep running: each is paused only while every guest is \
                snapshotted (about a second, more with many guests), then resumed; shut-off \
                guests are snapshotted as they are. All or nothing: if any guest cannot be \
                snapshotted the command fails, naming the guest, its host and libvirt's reason, \
                and deletes the snapshots already taken under NAME. Every guest disk must be \
                qcow2 (an extra raw disk cannot be snapshotted). Exit 0 when the snapshot was taken.
                """)

        @OptionGroup var options: ProjectOptions
        @Argument(help: "The snapshot's name: letters, digits, '-', '_' and '.'; unique in the project.")
        var name: String
        @Option(name: .customLong("guest"), help: ArgumentHelp("Snapshot only this guest (repeat for more).", valueName: "guest"))
        var guests: [String] = []

        func validate() throws { try SnapshotCommand.checkName(name) }

        func run() async throws {
            let snapshots = try SnapshotCommand.snapshots(options)
            try await Interrupt.cancellingOnSignal { _ = try await snapshots.create(name, guests: guests) }
        }
    }

    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Bring every guest of a snapshot (or those given with --guest) back to it.",
            discussion: """
                Guests are reverted on all hosts at once. Guests that were running at the \
                snapshot come back running with the memory they had then (no reboot: they \
                answer over SSH at once); they are resumed together once all are reverted. \
                Guests that were shut off come back shut off (`tbctl up` starts them). Anything \
                written since the snapshot is lost. Guests of the testbed that the snapshot does \
                not cover are left as they are.
                """)

        @OptionGroup var options: ProjectOptions
        @Argument(help: "The snapshot to restore (see `tbctl snapshot list`).") var name: String
        @Option(name: .customLong("guest"), help: ArgumentHelp("Restore only this guest (repeat for more).", valueName: "guest"))
        var guests: [String] = []

        func run() async throws {
            let snapshots = try SnapshotCommand.snapshots(options)
            try await Interrupt.cancellingOnSignal { _ = try await snapshots.restore(name, guests: guests) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the project's snapshots: name, time, guests, hosts and size.",
            discussion: """
                SIZE is the guests' saved memory, read from each guest's disk on its host \
                (`?` when a host does not answer); disk blocks a snapshot keeps are shared with \
                the running disk and not counted. A snapshot missing from a guest's disk (deleted \
                outside tbctl) is flagged below the table.
                """)

        @OptionGroup var options: ProjectOptions
        @Option(help: ArgumentHelp("Only snapshots that include this guest.", valueName: "guest")) var guest: String?
        @Flag(help: "Print as JSON.") var json = false

        func run() async throws {
            let listings = try await SnapshotCommand.snapshots(options, tty: false).list(guest: guest)
            if json { return try printJSON(listings) }
            if listings.isEmpty { print("no snapshots\(guest.map { " of guest \($0)" } ?? "")"); return }
            var t = Table("NAME", "KIND", "CREATED", "GUESTS", "HOSTS", "SIZE")
            var notes: [String] = []
            for l in listings {
                let names = l.guests.map(\.guest)
                let shown = names.count <= 6 ? names.joined(separator: ",") : names.prefix(5).joined(separator: ",") + ",… (\(names.count))"
                t.add(l.name, l.kind.rawValue, l.createdAt, shown, l.hosts.joined(separator: ","), l.sizeBytes.map(Self.size) ?? "?")
                let missing = l.guests.filter { $0.present == false }.map(\.guest)
                if !missing.isEmpty { notes.append("! \(l.name) is missing on \(missing.joined(separator: ", ")) (deleted outside tbctl?)") }
            }
            print(t.rendered)
            notes.forEach { print($0) }
        }

        static func size(_ bytes: Int64) -> String {
            let units = ["B", "KiB", "MiB", "GiB", "TiB"]
            var v = Double(bytes)
            var u = 0
            while v >= 1024 && u < units.count - 1 { v /= 1024; u += 1 }
            return u == 0 ? "\(bytes) B" : String(format: "%.1f %@", v, units[u])
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a snapshot from every guest it covers (or from those given with --guest).",
            discussion: "The guests keep running as they are. A guest removed from the testbed since took its snapshots with its disk; it is just forgotten.")

        @OptionGroup var options: ProjectOptions
        @Argument(help: "The snapshot to delete.") var name: String
        @Option(name: .customLong("guest"), help: ArgumentHelp("Delete it only from this guest (repeat for more).", valueName: "guest"))
        var guests: [String] = []

        func run() async throws {
            let snapshots = try SnapshotCommand.snapshots(options)
            try await Interrupt.cancellingOnSignal { try await snapshots.delete(name, guests: guests) }
        }
    }
}
