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
        subcommands: [SnapshotCreate.self, SnapshotRestore.self, SnapshotList.self, SnapshotDelete.self])

    static func snapshots(_ options: ProjectOptions, verbose: Bool = false, output: OutputOptions, tty: Bool? = nil) throws -> Snapshots {
        let workspace = Workspace(composeFile: options.file)
        let state = try TestbedState.load(from: workspace.stateFile)
        return Snapshots(state: state, workspace: workspace,
                         progress: Progress(verbose: verbose, tty: tty, toStandardError: output.isJSON), connector: workspace.liveHosts)
    }

    static func checkName(_ name: String) throws {
        if let problem = SnapshotName.problem(name) { throw ValidationError(problem) }
    }
}
