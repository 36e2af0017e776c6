import Core
import Foundation
import Metrics
import Testing

@Suite struct ExpositionTests {
    @Test func helpAndTypeOncePerNameAndLabelsEscaped() {
        let text = Exposition.render([
            MetricFamily("x_total", .counter, "Things \\ counted.\nTwice.", [.init([.init("guest", "a\"b\\c\nd")], 3)]),
            MetricFamily("empty", .gauge, "Nothing under it."),
            MetricFamily("x_total", .counter, "ignored help", [.init([.init("guest", "b")], 0.25)]),
        ])
        #expect(text == """
            # HELP x_total Things \\\\ counted.\\nTwice.
            # TYPE x_total counter
            x_total{guest="a\\"b\\\\c\\nd"} 3
            x_total{guest="b"} 0.25

            """)
    }

    @Test func numbersInGoSyntax() {
        #expect(Exposition.format(42) == "42")
        #expect(Exposition.format(-3) == "-3")
        #expect(Exposition.format(1.5e-9) == "1.5e-09")
        #expect(Exposition.format(Double.nan) == "NaN")
        #expect(Exposition.format(.infinity) == "+Inf")
        #expect(Exposition.format(1.8446744073709552e19) == "1.8446744073709552e+19")
    }

    @Test func namesAreSanitised() {
        #expect(Exposition.sanitize("req/s") == "req_s")
        #expect(Exposition.sanitize("9lives") == "_lives")
        #expect(Exposition.sanitize("a:b", allowColon: true) == "a:b")
    }

    /// The text a whole testbed scrape gives passes Prometheus's own linter.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/promtool"), "needs promtool (Debian's prometheus)"))
    func promtoolAcceptsAScrape() async throws {
        let state = try twoHostState()
        let byHost = Dictionary(grouping: state.guests, by: \.host).mapValues { $0.map { runningStats($0) } }
        let obs = await Scraper(source: FakeStatsSource(stats: byHost, down: ["h1"])).scrape(state.hosts)
        let facts = TestbedFacts(snapshots: [.init(name: "clean", kind: "testbed", created: 1_700_000_000, guests: 3)],
                                 runs: [.init(id: "r1", scenario: "load.yaml", status: "succeeded", duration: 12)],
                                 jobs: [.init(run: "r1", stage: "load", job: "bench", guest: "a", status: "succeeded", duration: 3)],
                                 samples: [.init(run: "r1", scenario: "load.yaml", metric: "rps", job: "bench", guest: "a", value: 812.5)])
        let text = Exposition.render(Collector.families(state: state, observation: obs, facts: facts, scrapeSeconds: 0.01))
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("metrics-\(UUID().uuidString).prom").path
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let r = try await Subprocess.run(["sh", "-c", "promtool check metrics < \(file)"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)\n\(text)")
        #expect(r.stdout.isEmpty && r.stderr.isEmpty, "promtool found problems: \(r.stdout)\(r.stderr)")
    }
}
