import Apply
import ArgumentParser
import Core
import Foundation

struct Reap: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove every expired testbed from the hosts, as `down` would, and say which.",
        discussion: """
            A testbed expires when its time to live (`up --ttl`, `ttl:` in the compose file, \
            `tbctl extend`) has passed; nothing removes it until `reap` runs (or `tbctl serve \
            --reap`, which runs it on a timer). The hosts asked are those `tbctl ls` asks. \
            --dry-run only says what would go. Exit 1 when a testbed could not be removed \
            entirely (what was removed stays removed; the next reap tries again).
            """)

    @OptionGroup var hostOptions: FleetHostOptions
    @OptionGroup var options: ProjectOptions
    @OptionGroup var verbosity: VerboseOption
    @OptionGroup var output: OutputOptions
    @Flag(help: "Only list the expired testbeds; remove nothing.") var dryRun = false
    @Flag(help: "Also remove their base and golden images and storage pools.") var purge = false

    /// `tbctl reap --format json` (docs/cli.md).
    struct Document: Encodable {
        var dryRun: Bool
        /// Expired testbeds: removed (or, with dryRun, to be removed).
        var expired: [TestbedListing]
        var removed: [String]
        var failed: [TBError]
        var hosts: [FleetHostDocument]
    }

    func run() async throws {
        let doc = try await Self.reap(hostOptions, compose: options.file, dryRun: dryRun, purge: purge,
                                      progress: output.progress(verbose: verbosity.verbose))
        try output.emit(doc) {
            if doc.expired.isEmpty { print("no expired testbeds") }
            for l in doc.expired where dryRun { print("would remove \(l.project) (owner \(l.owner ?? "?"), \(l.timeLeft()), hosts \(l.hosts.joined(separator: ",")))") }
        }
        if !doc.failed.isEmpty {
            throw TBError(.failed, "\(doc.failed.count) expired testbed(s) could not be removed entirely", problems: doc.failed)
        }
    }

    /// One pass: survey, then remove each expired testbed (one at a time: they may share hosts).
    static func reap(_ hostOptions: FleetHostOptions, compose: String?, dryRun: Bool, purge: Bool,
                     progress: Apply.Progress) async throws -> Document {
        let fleet = hostOptions.fleet
        let results = await fleet.survey(hostOptions.surveyed(compose: compose))
        let expired = TestbedListing.list(results, now: now()).filter(\.expired)
        var doc = Document(dryRun: dryRun, expired: expired, removed: [], failed: [], hosts: FleetHostDocument.of(results))
        guard !dryRun else { return doc }
        for l in expired {
            progress.line("reaping \(l.project) (owner \(l.owner ?? "?"), \(l.timeLeft()))")
            do {
                try await ProjectRemoval.down(l.project, results: results, connector: fleet.connector, purge: purge,
                                              progress: progress, report: nil)
                doc.removed.append(l.project)
                progress.line("removed \(l.project) from \(l.hosts.joined(separator: ", "))")
            } catch {
                if error.asTBError().code == .cancelled { throw error }
                doc.failed.append(error.asTBError().about("testbed \(l.project)"))
            }
        }
        return doc
    }
}
