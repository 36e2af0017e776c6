import Apply
import ArgumentParser
import Foundation

struct SnapshotList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the project's snapshots: name, time, guests, hosts and size.",
        discussion: """
            SIZE is the guests' saved memory, read from each guest's disk on its host \
            (`?` when a host does not answer); disk blocks a snapshot keeps are shared with \
            the running disk and not counted. A snapshot missing from a guest's disk (deleted \
            outside tbctl) is flagged below the table.
            """)

    @OptionGroup var options: ProjectOptions
    @OptionGroup var output: OutputOptions
    @Option(help: ArgumentHelp("Only snapshots that include this guest.", valueName: "guest")) var guest: String?

    /// `tbctl snapshot list --format json` (docs/cli.md).
    struct Document: Encodable {
        var project: String
        var snapshots: [Snapshots.Listing]
    }

    func run() async throws {
        let snapshots = try SnapshotCommand.snapshots(options, output: output, tty: false)
        let listings = try await snapshots.list(guest: guest)
        try output.emit(Document(project: snapshots.state.project, snapshots: listings)) { print(text(listings)) }
    }

    func text(_ listings: [Snapshots.Listing]) -> String {
        if listings.isEmpty { return "no snapshots\(guest.map { " of guest \($0)" } ?? "")" }
        var t = Table("NAME", "KIND", "CREATED", "GUESTS", "HOSTS", "SIZE")
        var notes: [String] = []
        for l in listings {
            let names = l.guests.map(\.guest)
            let shown = names.count <= 6 ? names.joined(separator: ",") : names.prefix(5).joined(separator: ",") + ",… (\(names.count))"
            t.add(l.name, l.kind.rawValue, l.createdAt, shown, l.hosts.joined(separator: ","), l.sizeBytes.map(Self.size) ?? "?")
            let missing = l.guests.filter { $0.present == false }.map(\.guest)
            if !missing.isEmpty { notes.append("! \(l.name) is missing on \(missing.joined(separator: ", ")) (deleted outside tbctl?)") }
        }
        return ([t.rendered] + notes).joined(separator: "\n")
    }

    static func size(_ bytes: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var v = Double(bytes)
        var u = 0
        while v >= 1024 && u < units.count - 1 { v /= 1024; u += 1 }
        return u == 0 ? "\(bytes) B" : String(format: "%.1f %@", v, units[u])
    }
}
