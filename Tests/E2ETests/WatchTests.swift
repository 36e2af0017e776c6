import Core
import Foundation
import Libvirt
import Testing

extension E2E {
/// `tbctl serve` on a running testbed of the master and a simulated remote host, watched the
/// way people watch one: Debian's Prometheus scrapes /metrics and is asked through its HTTP API,
/// headless Chromium opens the page, promtool lints the text, curl and a load script use the API.
@Suite(.serialized) struct WatchTests {
    @Test func prometheusChromiumAndTheAPIOnARunningTestbed() async throws {
        try await FakeHosts.up(["h1"])
        let lab = try TestLab(fixture: "watch")
        defer { lab.removeDir() }
        try lab.replace("KEY", with: FakeHosts.clientKey)
        try await lab.tbctl("down", "--purge")
        let up = try await lab.tbctl("up")
        #expect(up.status == 0, "\(up.stdout)\(up.stderr)")

        // Beyond loopback the server wants a token, and says so before it starts.
        let open = try await lab.run("serve", "--listen", "0.0.0.0:0")
        #expect(open.status == 2 && open.stderr.contains("--token"), "\(open.stderr)")

        let serve = try ServeProcess.start(lab, ["--listen", "127.0.0.1:0", "--interval", "1"])
        defer { serve.stop() }
        do {
            let base = try await serve.url()
            try await metricsPassPromtool(base)
            try await prometheusSeesCPUAndGrowingTraffic(lab, base)
            try await apiMatchesTheOpenAPIFile(base)
            try await pageShowsGuestsAndAStoppedGuest(lab, base)
            try await survivesAThousandConcurrentRequests(base, pid: serve.pid)
            try await aHostThatDoesNotAnswerIsDownNotAFailedScrape(lab, base)
            try await beyondLoopbackThePageTakesTheTokenOnce(lab)
            try await runsThroughTheAPIAndThePage(lab)
        } catch {
            // Leave no guests running for the next test on these two cores.
            _ = try? await Subprocess.run(["ip", "link", "set", "mh-h1-r", "up"])
            serve.stop()
            _ = try? await lab.tbctl("down", "--purge")
            throw error
        }
        #expect(serve.stop() == 0, "serve exits 0 on SIGTERM")
        #expect(try await lab.tbctl("down", "--purge").status == 0)
        try await FakeHosts.down()
    }

    private func metricsPassPromtool(_ base: String) async throws {
        let text = try await curl(base + "metrics")
        for family in ["libvirt_domain_info_cpu_time_seconds_total", "libvirt_domain_interface_stats_receive_bytes_total",
                       "libvirt_domain_block_stats_read_bytes_total", "tbctl_host_up", "tbctl_guests"] {
            #expect(text.contains("# TYPE \(family) "), "\(family) missing")
        }
        #expect(text.contains(#"tbctl_host_up{testbed="e2ewatch",host="h1"} 1"#), "\(text)")
        let file = NSTemporaryDirectory() + "watch-\(UUID().uuidString).prom"
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let lint = try await Subprocess.run(["sh", "-c", "promtool check metrics < \(file)"])
        #expect(lint.status == 0 && lint.stdout.isEmpty && lint.stderr.isEmpty, "promtool: \(lint.stdout)\(lint.stderr)")
    }

    /// Prometheus scrapes every second; each guest's CPU is there, and b's byte counter on the
    /// lan network grows once a pings b across the VXLAN tunnel from the master to h1.
    private func prometheusSeesCPUAndGrowingTraffic(_ lab: TestLab, _ base: String) async throws {
        let prom = try PrometheusProcess.start(target: URL(string: base)!)
        defer { prom.stop() }
        let cpu = try await prom.waitFor(#"libvirt_domain_info_cpu_time_seconds_total{testbed="e2ewatch"}"#) { $0.count == 3 }
        #expect(Set(cpu.map(\.labels["guest"])) == ["a", "b", "web-0"], "\(cpu)")
        #expect(cpu.allSatisfy { $0.value > 0 })
        #expect(Set(cpu.map(\.labels["host"])) == ["main", "h1"])

        let query = #"libvirt_domain_interface_stats_receive_bytes_total{testbed="e2ewatch",guest="b",network="lan"}"#
        let before = try #require(try await prom.waitFor(query) { $0.count == 1 }.first?.value)
        let b = try lab.guest("b")
        let lan = try #require(b.nics.first { $0.network == "lan" }).ip
        let ping = try await lab.ssh("a", "ping -c 20 -i 0.2 -s 1000 -W 5 \(lan)")
        #expect(ping.status == 0, "a -> b: \(ping.stdout)\(ping.stderr)")
        let after = try await prom.waitFor(query) { ($0.first?.value ?? 0) >= before + 20 * 1000 }
        #expect((after.first?.value ?? 0) >= before + 20 * 1000, "before \(before), after \(after)")
    }

    /// Every endpoint this server has (no run records here) answers as docs/openapi.yaml says.
    private func apiMatchesTheOpenAPIFile(_ base: String) async throws {
        let api = APIExchanges(base: base)
        for path in ["api/v1/server", "api/v1/testbed", "api/v1/guests", "api/v1/guests/b", "api/v1/guests/zz",
                     "api/v1/snapshots", "api/v1/charts", "metrics"] {
            _ = try await api.call("GET", path)
        }
        let detail = try await curl(base + "api/v1/guests/b")
        #expect(detail.contains(#""network":"lan""#) && detail.contains(#""rxBytes":"#), "\(detail)")
        try await api.check()
    }

    /// Headless Chromium shows every guest running; a guest stopped through libvirt (as with
    /// `virsh destroy`) shows as stopped without a reload.
    private func pageShowsGuestsAndAStoppedGuest(_ lab: TestLab, _ base: String) async throws {
        let shots = Artefacts.dir
        let states = #"[...document.querySelectorAll("tr.guest")].map(r => r.dataset.guest + "=" + r.dataset.state).sort().join(" ")"#
        let loaded = try await Chromium.open(base, until: #"document.body.dataset.loaded && +(document.querySelector(".chart")?.dataset.points ?? 0) > 2"#,
                                             eval: states, screenshot: shots + "/dashboard.png")
        #expect(loaded.status == 0, "\(loaded.stderr)")
        #expect(loaded.stdout.contains("a=running b=running web-0=running"), "\(loaded.stdout)")

        let lv = try await LibvirtConnection.open("qemu:///system")
        let web0 = try #require(try await lv.domain(named: try lab.guest("web-0").domain))
        try await web0.destroy()
        await lv.close()
        let stopped = try await Chromium.open(base, until: #"document.querySelector('tr.guest[data-guest="web-0"]')?.dataset.state === "shutoff""#,
                                              eval: states, screenshot: shots + "/dashboard-stopped.png")
        #expect(stopped.status == 0, "\(stopped.stderr)")
        #expect(stopped.stdout.contains("a=running b=running web-0=shutoff"), "\(stopped.stdout)")
    }

    /// h1's link cut: /metrics still answers, with `tbctl_host_up{host="h1"} 0`, and so does
    /// `tbctl metrics` (exit 0, the reason on stderr); with the link back, h1 is up again.
    private func aHostThatDoesNotAnswerIsDownNotAFailedScrape(_ lab: TestLab, _ base: String) async throws {
        let down = #"tbctl_host_up{testbed="e2ewatch",host="h1"} 0"#, up = #"tbctl_host_up{testbed="e2ewatch",host="h1"} 1"#
        _ = try await Subprocess.run(["ip", "link", "set", "mh-h1-r", "down"])
        let served = try await metrics(base, containing: down, within: 60)
        #expect(served.contains(down), "\(served)")
        #expect(served.contains(#"tbctl_host_up{testbed="e2ewatch",host="main"} 1"#))
        #expect(served.contains(#"tbctl_guests{testbed="e2ewatch",host="h1",state="unknown"} 1"#), "\(served)")
        let testbed = try await curl(base + "api/v1/testbed")
        #expect(testbed.contains(#""name":"h1","up":false"#), "\(testbed)")
        let once = try await lab.tbctl("metrics")
        #expect(once.status == 0 && once.stdout.contains(down) && once.stderr.contains("host h1"), "\(once.stderr)")
        _ = try await Subprocess.run(["ip", "link", "set", "mh-h1-r", "up"])
        let back = try await metrics(base, containing: up, within: 90)
        #expect(back.contains(up), "h1 did not come back: \(back)")
    }

    /// Listening on every address with a token: the API answers 401 without it, the page asks
    /// for it, and opened once with `#token=` it loads, keeps the token and goes live (the event
    /// stream authenticated by the cookie the page set).
    private func beyondLoopbackThePageTakesTheTokenOnce(_ lab: TestLab) async throws {
        let token = UUID().uuidString
        let serve = try ServeProcess.start(lab, ["--listen", "0.0.0.0:0", "--token", token, "--interval", "1"])
        defer { serve.stop() }
        let base = try await serve.url().replacingOccurrences(of: "//0.0.0.0:", with: "//127.0.0.1:")
        #expect(try await curlAnswer(base + "api/v1/testbed").status == 401)
        let asks = try await Chromium.open(base, until: #"!document.getElementById("login").hidden"#,
                                           eval: #"document.querySelectorAll("tr.guest").length"#, screenshot: Artefacts.dir + "/dashboard-login.png")
        #expect(asks.status == 0 && asks.stdout.hasPrefix("0"), "\(asks.stdout)\(asks.stderr)")
        let opened = try await Chromium.open(base + "#token=" + token,
                                             until: #"document.body.dataset.loaded && document.getElementById("live").textContent === "live""#,
                                             eval: #"document.querySelectorAll("tr.guest").length + " " + (location.hash === "")"#,
                                             screenshot: Artefacts.dir + "/dashboard-token.png")
        #expect(opened.status == 0 && opened.stdout.contains("3 true"), "\(opened.stdout)\(opened.stderr)")
    }

    /// With `--allow-write`: a run started through the API (as the page's form does) shows on
    /// the page with its log; a running one is cancelled through the API, and cancelling it
    /// again is a conflict; bad starts are 4xx with the reason; every answer is as
    /// docs/openapi.yaml says.
    private func runsThroughTheAPIAndThePage(_ lab: TestLab) async throws {
        let serve = try ServeProcess.start(lab, ["--listen", "127.0.0.1:0", "--interval", "1", "--allow-write"])
        defer { serve.stop() }
        let base = try await serve.url()
        let api = APIExchanges(base: base)
        let started = try await api.call("POST", "api/v1/runs", json: #"{"scenario": "hello.yaml"}"#)
        #expect(started.status == 202, "\(started.body)")
        let id = try #require(started.body.firstMatch(of: #/"id":(\d+)/#).map { String($0.1) }, "\(started.body)")
        let page = try await Chromium.open(base + "#run=" + id,
                                           until: #"document.getElementById("run-log").dataset.done === "1" && document.querySelector("tr.run")"#,
                                           eval: #"document.getElementById("run-status").textContent + " | " + document.getElementById("run-log").textContent"#,
                                           screenshot: Artefacts.dir + "/dashboard-run.png")
        #expect(page.status == 0, "\(page.stderr)")
        // (cdp.py prints the value as JSON: a string in quotes, newlines as \n.)
        #expect(page.stdout.hasPrefix(#""passed | "#), "\(page.stdout)")
        for line in ["a/run-1 | hello from a", "a/run-1 | value: 42", "b/run-1 | hello from b", "b/run-1 | value: 42"] {
            #expect(page.stdout.contains(line + "\\n"), "\(line) in \(page.stdout)")
        }
        for path in ["api/v1/runs", "api/v1/runs/\(id)", "api/v1/runs/\(id)/logs", "api/v1/runs/99999", "api/v1/runs/x"] {
            _ = try await api.call("GET", path)
        }
        #expect(try await api.call("GET", "api/v1/runs/\(id)").body.contains(#""metric":"value""#))

        let hold = try await api.call("POST", "api/v1/runs", json: #"{"scenario": "hold.yaml"}"#)
        let holdID = try #require(hold.body.firstMatch(of: #/"id":(\d+)/#).map { String($0.1) }, "\(hold.body)")
        let cancel = try await api.call("POST", "api/v1/runs/\(holdID)/cancel")
        #expect(cancel.status == 202 && cancel.body.contains("cancelling"), "\(cancel.body)")
        var status = "running"
        let deadline = ContinuousClock.now + .seconds(60)
        while status == "running" && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(500))
            status = try await curl(base + "api/v1/runs/\(holdID)").firstMatch(of: #/"status":"(\w+)"/#).map { String($0.1) } ?? ""
        }
        #expect(status == "cancelled", "the cancelled run is \(status)")
        #expect(try await api.call("POST", "api/v1/runs/\(holdID)/cancel").status == 409)

        let bad = try await api.call("POST", "api/v1/runs", json: #"{"scenario": "bad.yaml"}"#)
        #expect(bad.status == 400 && bad.body.contains("bad.yaml:3:14"), "\(bad.body)")
        #expect(try await api.call("POST", "api/v1/runs", json: #"{"scenario": 1}"#).status == 400)
        #expect(try await api.call("POST", "api/v1/runs", json: #"{"scenario": "nosuch.yaml"}"#).status == 400)
        #expect(try await api.call("POST", "api/v1/runs", json: "scenario=hello.yaml", type: "text/plain").status == 415)
        try await api.check()
    }

    /// /metrics, read until it contains `text` or `seconds` passed.
    private func metrics(_ base: String, containing text: String, within seconds: Int) async throws -> String {
        let deadline = ContinuousClock.now + .seconds(seconds)
        var last = ""
        while ContinuousClock.now < deadline {
            last = try await curl(base + "metrics")
            if last.contains(text) { return last }
            try await Task.sleep(for: .milliseconds(500))
        }
        return last
    }

    /// 1,000 API requests in flight at once: every one answered 200, and the server's memory
    /// stays bounded (RSS measured before and after two rounds).
    private func survivesAThousandConcurrentRequests(_ base: String, pid: Int32) async throws {
        let before = try rssKiB(pid)
        for round in 1...2 {
            let load = try await Subprocess.run(["python3", Repo.root + "/tests/harness/http-load.py", base + "api/v1/testbed", "1000"])
            #expect(load.status == 0, "round \(round): \(load.stdout)\(load.stderr)")
        }
        let after = try rssKiB(pid)
        #expect(after - before < 100 * 1024, "RSS grew from \(before) KiB to \(after) KiB")
        print("watch: serve RSS \(before) KiB before, \(after) KiB after 2 x 1000 concurrent requests")
    }
}
}

/// Where e2e tests keep what a person may want to look at afterwards (screenshots):
/// `$TBCTL_ARTEFACTS`, else `.build/test-artefacts` of the repository.
enum Artefacts {
    static var dir: String {
        let d = ProcessInfo.processInfo.environment["TBCTL_ARTEFACTS"] ?? Repo.root + "/.build/test-artefacts"
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }
}

func rssKiB(_ pid: Int32) throws -> Int {
    let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
    guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
          let kib = Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) else {
        throw TBError(.internalError, "no VmRSS for process \(pid)")
    }
    return kib
}

func curl(_ url: String) async throws -> String { try await curlAnswer(url).body }

/// One request with curl: its status, content type and body. `json` is sent as the body
/// (with `type` as its content type).
func curlAnswer(_ url: String, method: String = "GET", json: String? = nil,
                type: String = "application/json") async throws -> (status: Int, type: String, body: String) {
    let out = NSTemporaryDirectory() + "curl-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: out) }
    let send = json.map { ["-H", "Content-Type: \(type)", "--data-binary", $0] } ?? []
    let r = try await Subprocess.run(["curl", "-sS", "--max-time", "30", "-X", method, "-o", out, "-w", "%{http_code} %{content_type}"]
                                     + send + [url])
    guard r.succeeded else { throw TBError(.command, "curl \(url) failed", cause: r.stderr) }
    let parts = r.stdout.split(separator: " ", maxSplits: 1)
    return (Int(parts[0]) ?? 0, parts.count > 1 ? String(parts[1]) : "", (try? String(contentsOfFile: out, encoding: .utf8)) ?? "")
}

/// API calls made by a test, kept to be checked against docs/openapi.yaml in one go.
final class APIExchanges: @unchecked Sendable {
    let base: String
    private var exchanges: [[String: Any]] = []
    init(base: String) { self.base = base }

    func call(_ method: String, _ path: String, json: String? = nil, type: String = "application/json") async throws -> (status: Int, body: String) {
        let a = try await curlAnswer(base + path, method: method, json: json ?? (method == "POST" ? "" : nil), type: type)
        exchanges.append(["method": method, "path": "/" + path, "status": a.status, "contentType": a.type, "body": a.body])
        return (a.status, a.body)
    }

    /// Every exchange as the OpenAPI file says (tests/harness/openapi-check.py).
    func check() async throws {
        let file = NSTemporaryDirectory() + "exchanges-\(UUID().uuidString).json"
        try JSONSerialization.data(withJSONObject: exchanges).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let r = try await Subprocess.run(["/opt/tbctl-pytools/bin/python", Repo.root + "/tests/harness/openapi-check.py",
                                          Repo.root + "/docs/openapi.yaml", file])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
    }
}
