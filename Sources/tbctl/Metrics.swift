import ArgumentParser
import Foundation
import Hosts
import Metrics
import TestbedState
import Workspace

struct MetricsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Print one scrape of every host's guest statistics in Prometheus text format.",
        discussion: """
            Asks each host's libvirt for the statistics of all its domains in one call (state, \
            CPU, memory, vCPUs, NICs, disks; a guest busy with a snapshot reports what it can \
            at once) and prints them under the names of the usual libvirt exporters \
            (libvirt_domain_info_cpu_time_seconds_total, \
            libvirt_domain_interface_stats_receive_bytes_total, ...), labelled with testbed, \
            guest, service and host, plus network for NICs and disk for block devices. \
            tbctl's own series follow: tbctl_host_up (0 for a host that did not answer), \
            tbctl_guests by state, snapshots. docs/metrics.md lists every name.

            A host that does not answer does not fail the command: it is reported as \
            tbctl_host_up 0 (and on stderr). `tbctl serve` serves the same text at /metrics \
            for Prometheus to scrape.
            """)

    @OptionGroup var options: ProjectOptions
    /// json: the families as an array: name, type, help and samples with their labels.
    @OptionGroup var output: OutputOptions
    /// -v: each host's scrape time on stderr.
    @OptionGroup var verbosity: VerboseOption

    func run() async throws {
        let facts = WorkspaceFacts(workspace: Workspace(composeFile: options.file))
        let state = try facts.state()
        let source = HostStatsSource(connector: facts.workspace.liveHosts)
        let t0 = Date()
        let observation = await Scraper(source: source).scrape(state.hosts)
        await source.closeAll()
        var known: TestbedFacts
        do { known = try facts.facts() } catch {
            // A damaged snapshot record costs its families, not the scrape.
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            known = TestbedFacts()
        }
        // The recent runs, their jobs and the samples their scenarios extracted.
        do {
            let runs = try await RecordsRunSource(workspace: facts.workspace).facts()
            known.runs = runs.runs; known.jobs = runs.jobs; known.samples = runs.samples
        } catch {
            FileHandle.standardError.write(Data("run records: \(error)\n".utf8))
        }
        let families = Collector.families(state: state, observation: observation, facts: known,
                                          scrapeSeconds: Date().timeIntervalSince(t0))
        for h in observation.hosts {
            let line = h.up ? "host \(h.name): \(h.domains?.count ?? 0) domains in \(String(format: "%.3f", h.seconds)) s"
                : "host \(h.name): \(h.error ?? "no answer")"
            // A host that did not answer is always said; the others with --verbose.
            if !h.up || verbosity.verbose { FileHandle.standardError.write(Data((line + "\n").utf8)) }
        }
        if output.isJSON { return try printJSON(Exposition.merged(families).filter { !$0.samples.isEmpty }.map(JSONFamily.init)) }
        print(Exposition.render(families), terminator: "")
    }
}

/// `--json`: one object per family, labels as an object.
struct JSONFamily: Encodable {
    struct Sample: Encodable { var name: String; var labels: [String: String]; var value: Double }
    var name: String, type: String, help: String, samples: [Sample]

    init(_ f: MetricFamily) {
        name = f.name; type = f.kind.rawValue; help = f.help
        samples = f.samples.map { s in
            Sample(name: f.name + s.suffix, labels: Dictionary(s.labels.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a }),
                   value: s.value)
        }
    }
}
