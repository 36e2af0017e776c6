import Apply
import Core
import ArgumentParser

struct SnapshotDelete: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Delete a snapshot from every guest it covers (or from those given with --guest).",
        discussion: "The guests keep running as they are. A guest removed from the testbed since took its snapshots with its disk; it is just forgotten.")

    @OptionGroup var options: ProjectOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The snapshot to delete.") var name: String
    @Option(name: .customLong("guest"), help: ArgumentHelp("Delete it only from this guest (repeat for more).", valueName: "guest"))
    var guests: [String] = []

    /// `tbctl snapshot delete --format json` (docs/cli.md).
    struct Document: Encodable {
        var name: String
        /// Guests it was deleted from (or forgotten for, when their disk is gone).
        var deletedFrom: [String]
        /// Guests that still have it (when --guest named only some).
        var remaining: [String]
    }

    func run() async throws {
        let snapshots = try SnapshotCommand.snapshots(options, output: output)
        let store = SnapshotStore(snapshots.workspace)
        let before = try store.load().snapshot(named: name)?.guests.map(\.guest) ?? []
        try await Interrupt.cancellingOnSignal { [name, guests] in try await snapshots.delete(name, guests: guests) }
        let after = try store.load().snapshot(named: name)?.guests.map(\.guest) ?? []
        if output.isJSON { try printJSON(Document(name: name, deletedFrom: before.filter { !after.contains($0) }, remaining: after)) }
    }
}
