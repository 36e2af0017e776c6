import Core
import Foundation
import Server
import Testing

@Suite struct APITests {
    /// Every operation of docs/openapi.yaml, its answers checked against the file's schemas.
    @Test func everyEndpointMatchesTheOpenAPIFile() async throws {
        if let missing = PyTools.missing { Issue.record(Comment(rawValue: missing)); return }
        let runs = FakeRuns()
        let s = try await Served.start(allowWrite: true, runs: runs)
        defer { s.stop() }
        let x = Exchanges()

        let server = try await http("GET", s.base + "/api/v1/server", record: x)
        #expect(server.status == 200 && server.body.contains("\"allowWrite\":true"))
        let testbed = try await http("GET", s.base + "/api/v1/testbed", record: x)
        #expect(testbed.status == 200 && testbed.body.contains("\"project\":\"lab\""), "\(testbed.body)")
        #expect(try await http("GET", s.base + "/api/v1/guests", record: x).status == 200)
        let guest = try await http("GET", s.base + "/api/v1/guests/a", record: x)
        #expect(guest.status == 200 && guest.body.contains("\"network\":\"management\""), "\(guest.body)")
        #expect(try await http("GET", s.base + "/api/v1/guests/nope", record: x).status == 404)
        #expect(try await http("GET", s.base + "/api/v1/snapshots", record: x).body.contains("clean"))
        let charts = try await http("GET", s.base + "/api/v1/charts", record: x)
        #expect(charts.status == 200 && charts.body.contains("\"web-1\""))
        let metrics = try await http("GET", s.base + "/metrics", record: x)
        #expect(metrics.contentType.hasPrefix("text/plain; version=0.0.4"))
        #expect(metrics.body.contains("tbctl_runs{testbed=\"lab\",status=\"running\"} 1"), "\(metrics.body)")
        #expect(metrics.body.contains("tbctl_scenario_sample{"))

        let live = try await events(s.base + "/api/v1/events", count: 2)
        #expect(live.count == 2 && live.allSatisfy { $0.name == "sample" })
        x.add("GET", "/api/v1/events", Answer(status: 200, contentType: "text/event-stream", body: ""))
        for e in live { x.add("GET", "/api/v1/events", Answer(status: 200, contentType: "application/json", body: e.data), schema: "LiveSample") }

        #expect(try await http("GET", s.base + "/api/v1/runs", record: x).body.contains("setup.yaml"))
        #expect(try await http("GET", s.base + "/api/v1/runs/1", record: x).body.contains("\"rps\""))
        #expect(try await http("GET", s.base + "/api/v1/runs/99", record: x).status == 404)
        #expect(try await http("GET", s.base + "/api/v1/runs/x", record: x).status == 400)
        let logs = try await http("GET", s.base + "/api/v1/runs/1/logs?guest=a", record: x)
        #expect(logs.body.contains("hello from a") && !logs.body.contains("stage setup") && logs.body.contains("\"done\":true"), "\(logs.body)")
        #expect(try await http("GET", s.base + "/api/v1/runs/1/logs?after=-1", record: x).status == 400)
        let followed = try await events(s.base + "/api/v1/runs/1/logs?follow=1", count: 3)
        #expect(followed.map(\.name) == ["log", "log", "end"], "\(followed)")
        x.add("GET", "/api/v1/runs/1/logs?follow=1", Answer(status: 200, contentType: "text/event-stream", body: ""))
        for e in followed where e.name == "log" {
            x.add("GET", "/api/v1/runs/1/logs", Answer(status: 200, contentType: "application/json", body: e.data), schema: "LogLine")
        }

        let started = try await http("POST", s.base + "/api/v1/runs", headers: ["Content-Type: application/json"],
                                     body: #"{"scenario": "load.yaml", "vars": {"n": "10"}}"#, record: x)
        #expect(started.status == 202 && started.body.contains("\"id\":3"), "\(started.body)")
        #expect(await runs.started.first?.1 == ["n": "10"])
        let bad = try await http("POST", s.base + "/api/v1/runs", headers: ["Content-Type: application/json"],
                                 body: #"{"scenario": "bad.yaml"}"#, record: x)
        #expect(bad.status == 400 && bad.body.contains("bad.yaml:3:5"), "\(bad.body)")
        #expect(try await http("POST", s.base + "/api/v1/runs", headers: ["Content-Type: application/json"], body: "{", record: x).status == 400)
        #expect(try await http("POST", s.base + "/api/v1/runs", headers: ["Content-Type: application/json"], body: #"{"vars": {}}"#,
                               record: x).body.contains("missing `scenario`"))
        #expect(try await http("POST", s.base + "/api/v1/runs", headers: ["Content-Type: text/plain"], body: "load.yaml", record: x).status == 415)
        #expect(try await http("POST", s.base + "/api/v1/runs/3/cancel", record: x).status == 202)
        #expect(try await http("POST", s.base + "/api/v1/runs/1/cancel", record: x).status == 409)
        #expect(try await http("POST", s.base + "/api/v1/runs/42/cancel", record: x).status == 404)

        let check = try await x.check(all: true)
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
    }

    @Test func unknownPathsAndMethodsAreJSONErrors() async throws {
        let s = try await Served.start()
        defer { s.stop() }
        let missing = try await http("GET", s.base + "/api/v1/nothing")
        #expect(missing.status == 404 && missing.body.contains("no such endpoint"))
        let wrong = try await http("DELETE", s.base + "/api/v1/testbed")
        #expect(wrong.status == 405 && wrong.body.contains("allowed: GET"))
        // Without run records the runs endpoints do not exist.
        #expect(try await http("GET", s.base + "/api/v1/runs").status == 404)
        #expect(try await http("GET", s.base + "/api/v1/server").body.contains("\"runs\":false"))
    }

    @Test func readOnlyUnlessAllowWrite() async throws {
        let s = try await Served.start(runs: FakeRuns())
        defer { s.stop() }
        let x = Exchanges()
        let post = try await http("POST", s.base + "/api/v1/runs", headers: ["Content-Type: application/json"],
                                  body: #"{"scenario": "load.yaml"}"#, record: x)
        #expect(post.status == 403 && post.body.contains("--allow-write"))
        #expect(try await http("POST", s.base + "/api/v1/runs/2/cancel", record: x).status == 403)
        #expect(try await http("GET", s.base + "/api/v1/runs/2", record: x).status == 200)
        if PyTools.missing == nil { #expect(try await x.check(all: false).status == 0) }
    }

    /// Bound beyond loopback, the server wants its token on the API, /metrics and the event
    /// stream; the page's own files stay public (the page asks for the token).
    @Test func tokenRequiredOnANonLoopbackBind() async throws {
        let s = try await Served.start(listen: "0.0.0.0:0", token: "s3cret")
        defer { s.stop() }
        let x = Exchanges()
        for path in ["/api/v1/testbed", "/metrics", "/api/v1/guests/a", "/api/v1/events"] {
            let a = try await http("GET", s.base + path, record: x)
            #expect(a.status == 401, "\(path): \(a.status)")
            #expect(a.body.contains("Authorization: Bearer"))
        }
        #expect(try await http("GET", s.base + "/api/v1/testbed", headers: ["Authorization: Bearer wrong"]).status == 401)
        #expect(try await http("GET", s.base + "/api/v1/testbed", headers: ["Authorization: Bearer s3cret"], record: x).status == 200)
        #expect(try await http("GET", s.base + "/metrics", headers: ["Cookie: theme=dark; tbctl_token=s3cret"]).status == 200)
        #expect(try await http("GET", s.base + "/").status == 200)
        #expect(try await http("GET", s.base + "/app.js").body.contains("EventSource"))
        if PyTools.missing == nil { #expect(try await x.check(all: false).status == 0) }
    }

    @Test func aNonLoopbackBindWithoutTokenIsRefused() throws {
        let state = try labState()
        let sampler = Sampler(scraper: .init(source: GrowingStats(state)), source: FixedTestbed(fixed: state))
        #expect(throws: TBError.self) {
            try WatchServer(options: .init(listen: try ListenAddress(parsing: "0.0.0.0:8080"), token: nil, allowWrite: false),
                            sampler: sampler, testbed: FixedTestbed(fixed: state), runs: nil)
        }
    }

    @Test func listenAddresses() throws {
        #expect(try ListenAddress(parsing: "127.0.0.1:8080").isLoopback)
        #expect(try ListenAddress(parsing: "localhost:0").host == "127.0.0.1")
        #expect(try ListenAddress(parsing: "[::1]:9000").isLoopback)
        #expect(try !ListenAddress(parsing: "0.0.0.0:80").isLoopback)
        #expect(try !ListenAddress(parsing: "[::]:80").isLoopback)
        for bad in ["8080", "127.0.0.1", "127.0.0.1:99999", "host:80", "[::1]", "1.2.3:80"] {
            #expect(throws: TBError.self, "\(bad)") { try ListenAddress(parsing: bad) }
        }
    }

    /// A guest that stops shows as stopped in the next sample; a run's charts are frozen
    /// with its record when the server sees it end.
    @Test func stoppedGuestsAndFrozenCharts() async throws {
        let runs = FakeRuns()
        let s = try await Served.start(runs: runs)
        defer { s.stop() }
        _ = try await events(s.base + "/api/v1/events", count: 2, seconds: 5)
        s.stats.stopped.withLock { _ = $0.insert("a") }
        let stopped = try await events(s.base + "/api/v1/events", count: 2, seconds: 5)
        #expect(stopped.last?.data.contains(#""a":{"state":"shutoff"}"#) == true, "\(stopped)")

        await runs.finish(2)
        _ = try await events(s.base + "/api/v1/events", count: 2, seconds: 5)
        let frozen = try #require(try await runs.charts(2))
        #expect(frozen.guests["web-0"]?.t.isEmpty == false)
        let detail = try await http("GET", s.base + "/api/v1/runs/2")
        #expect(detail.body.contains("\"charts\":{"))
    }
}
