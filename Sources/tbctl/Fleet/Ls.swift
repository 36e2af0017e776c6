import Apply
import ArgumentParser
import Foundation

struct Ls: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List every tbctl testbed on the hosts: owner, compose file, guests, time left, disk.",
        discussion: """
            Reads each host's testbed records and libvirt, not project folders, so it lists the \
            testbeds of every user and folder: this machine, the hosts of ./testbed.yaml's testbed \
            (or -f's) when it was compiled here, each --host, and the hosts those testbeds name. \
            A testbed is matched by its exact name (`lab` never counts `lab-test`'s guests). \
            GUESTS counts domains by state (run, pause, off); DISK is what its storage pools \
            take. A host that does not answer is listed below the table, and the exit status \
            stays 0.
            """)

    @OptionGroup var options: ProjectOptions
    @OptionGroup var hostOptions: FleetHostOptions
    @OptionGroup var output: OutputOptions

    /// `tbctl ls --format json` (docs/cli.md).
    struct Document: Encodable {
        var testbeds: [TestbedListing]
        var hosts: [FleetHostDocument]
    }

    func run() async throws {
        let results = await hostOptions.fleet.survey(hostOptions.surveyed(compose: options.file))
        let doc = Document(testbeds: TestbedListing.list(results, now: now()), hosts: FleetHostDocument.of(results))
        try output.emit(doc) { print(Self.text(doc)) }
    }

    static func text(_ doc: Document) -> String {
        var t = Table("PROJECT", "OWNER", "HOSTS", "GUESTS", "CREATED", "TIME LEFT", "DISK", "COMPOSE FILE")
        let when = DateFormatter()
        when.dateFormat = "yyyy-MM-dd HH:mm"
        for l in doc.testbeds {
            let g = [("running", "run"), ("paused", "pause"), ("shutoff", "off"), ("other", "other")]
                .compactMap { k, label in l.guests[k].map { "\($0) \(label)" } }.joined(separator: ", ")
            t.add(l.project + (l.local ? " (local)" : ""), l.owner ?? "?", l.hosts.joined(separator: ","), g.isEmpty ? "none" : g,
                  l.created.map { when.string(from: Date(timeIntervalSince1970: $0)) } ?? "?", l.timeLeft(),
                  SnapshotList.size(Int64(l.diskBytes)), l.composeFile ?? "?")
        }
        var lines = doc.testbeds.isEmpty ? ["no testbeds"] : [t.rendered]
        lines += doc.hosts.compactMap { h in h.error.map { "host \(h.host) (\(h.address)) unreachable: \($0.message)" } }
        return lines.joined(separator: "\n")
    }
}
