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

    /// `tbctl snapshot create --format json` (docs/cli.md).
    struct Document: Encodable {
        struct Guest: Encodable {
            var guest: String, host: String
            /// What the guest was doing when the snapshot was taken.
            var state: String
            /// Seconds tbctl held it paused while every guest was snapshotted (absent: it did not run).
            var pausedSeconds: Double?
        }
        var name: String, kind: String, createdAt: String, hosts: [String], seconds: Double
        var guests: [Guest]
    }

    func validate() throws { try SnapshotCommand.checkName(name) }

    func run() async throws {
        let snapshots = try SnapshotCommand.snapshots(options, verbose: verbosity.verbose, output: output)
        let summary = Locked<Snapshots.CreateSummary?>(nil)
        try await Interrupt.cancellingOnSignal { [name, guests] in
            let s = try await snapshots.create(name, guests: guests)
            summary.withLock { $0 = s }
        }
        guard let s = summary.current, output.isJSON else { return }
        let record = try SnapshotStore(snapshots.workspace).load().snapshot(named: name)
        try printJSON(Document(name: s.name, kind: s.kind.rawValue, createdAt: record?.createdAt ?? "", hosts: record?.hosts ?? [],
                               seconds: s.seconds, guests: (record?.guests ?? []).map {
            .init(guest: $0.guest, host: $0.host, state: $0.state.rawValue, pausedSeconds: s.paused[$0.guest])
        }))
    }
}
