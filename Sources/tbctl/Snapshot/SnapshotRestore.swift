import Apply
import Core
import ArgumentParser

struct SnapshotRestore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Bring every guest of a snapshot (or those given with --guest) back to it.",
        discussion: """
            Guests are reverted on all hosts at once. Guests that were running at the \
            snapshot come back running with the memory they had then (no reboot: they \
            answer over SSH at once); they are resumed together once all are reverted. \
            Guests that were shut off come back shut off (`tbctl up` starts them). Anything \
            written since the snapshot is lost. Guests of the testbed that the snapshot does \
            not cover are left as they are. -v prints each guest's revert and pause time; \
            --format json prints them as data.
            """)

    @OptionGroup var options: ProjectOptions
    @OptionGroup var verbosity: VerboseOption
    @OptionGroup var output: OutputOptions
    @Argument(help: "The snapshot to restore (see `tbctl snapshot list`).") var name: String
    @Option(name: .customLong("guest"), help: ArgumentHelp("Restore only this guest (repeat for more).", valueName: "guest"))
    var guests: [String] = []

    func run() async throws {
        let snapshots = try SnapshotCommand.snapshots(options, verbose: verbosity.verbose, output: output)
        let summary = Locked<RestoreSummary?>(nil)
        try await Interrupt.cancellingOnSignal { [name, guests] in
            let s = try await snapshots.restore(name, guests: guests)
            summary.withLock { $0 = s }
        }
        // `tbctl snapshot ... --format json` (docs/cli.md): the summary as the core makes it.
        if output.isJSON, let s = summary.current { try printJSON(s) }
    }
}
