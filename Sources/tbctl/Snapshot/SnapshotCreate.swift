import Apply
import Core
import ArgumentParser

struct SnapshotCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Snapshot the whole testbed, or the guests given with --guest.",
        discussion: """
            Running guests keep running: each is paused only while every guest is \
            snapshotted (about a second, more with many guests), then resumed; shut-off \
            guests are snapshotted as they are. All or nothing: if any guest cannot be \
            snapshotted the command fails, naming the guest, its host and libvirt's reason, \
            and deletes the snapshots already taken under NAME. Every guest disk must be \
            qcow2 (an extra raw disk cannot be snapshotted). Exit 0 when the snapshot was taken. \
            -v prints each guest's snapshot and pause time; --format json prints them as data.
            """)

    @OptionGroup var options: ProjectOptions
    @OptionGroup var verbosity: VerboseOption
    @OptionGroup var output: OutputOptions
    @Argument(help: "The snapshot's name: letters, digits, '-', '_' and '.'; unique in the project.")
    var name: String
    @Option(name: .customLong("guest"), help: ArgumentHelp("Snapshot only this guest (repeat for more).", valueName: "guest"))
    var guests: [String] = []

    func validate() throws { try SnapshotCommand.checkName(name) }

    func run() async throws {
        let snapshots = try SnapshotCommand.snapshots(options, verbose: verbosity.verbose, output: output)
        let summary = Locked<CreateSummary?>(nil)
        try await Interrupt.cancellingOnSignal { [name, guests] in
            let s = try await snapshots.create(name, guests: guests)
            summary.withLock { $0 = s }
        }
        // `tbctl snapshot ... --format json` (docs/cli.md): the summary as the core makes it.
        if output.isJSON, let s = summary.current { try printJSON(s) }
    }
}
