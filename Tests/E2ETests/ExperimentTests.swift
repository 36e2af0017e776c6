import Conditions
import Core
import Foundation
import Records
import TestbedState
import Testing

extension E2E {
/// `tbctl run` and `tbctl runs` on real guests over the master and a simulated remote host
/// (fixture `experiments`: client on the master, web-0 on h1, web-1 on the master), one lab
/// for every check, driven through the real binary as a user would, and checked the way a
/// user would: the record through `tbctl runs`, processes with `ps` on every guest.
@Suite(.serialized) struct ExperimentTests {
    @Test func scenariosRecordsAndCleanStops() async throws {
        try await FakeHosts.up(["h1"])
        let lab = try TestLab(fixture: "experiments")
        defer { lab.removeDir() }
        try lab.replace("KEY", with: FakeHosts.clientKey)
        try await lab.tbctl("down", "--purge")   // a crashed earlier run leaves the fixed project behind
        do {
            let up = try await lab.tbctl("up")
            try #require(up.status == 0, "\(up.stdout)\(up.stderr)")
            #expect(try lab.guest("web-0").host == "h1" && lab.guest("web-1").host == "main")
            try await serverClientRegisterMetric(lab)
            try await failureThresholds(lab)
            try await scenarioErrorsStopEverythingBeforeItRuns(lab)
            try await execOnHosts(lab)
            try await ctrlCLeavesNoProcess(lab)
            try await killedRunsAreCleanedLater(lab)
            try await detachedRunOutlivesItsShell(lab)
            try await networkConditionJobs(lab)
            try await scaleInBatches(lab)
        } catch {
            _ = try? await lab.tbctl("down", "--purge")
            try? await FakeHosts.down()
            throw error
        }
        #expect(try await lab.tbctl("down", "--purge").status == 0)
        try await FakeHosts.down()
    }

    func scenario(_ lab: TestLab, _ name: String) -> String { lab.dir + "/" + name }

    /// A background server on each web clone, waited for; driven from the client with
    /// with_items; a value registered and used by the testbed hosts; a metric.
    func serverClientRegisterMetric(_ lab: TestLab) async throws {
        let r = try await lab.run("run", scenario(lab, "experiment.yaml"))
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        let id = try runID(r.stdout)
        #expect(r.stdout.contains("client run-1 | web-0") && r.stdout.contains("client run-1 | web-1"), "\(r.stdout)")

        let d = try await detail(lab, id)
        #expect(d.run.status == .passed && d.run.exitCode == 0 && d.run.cleaned)
        #expect(d.varsEnd?["served"] == "web-0" && d.varsStart == ["port": "8080"])
        #expect(d.stages.map(\.status) == [.passed, .passed, .passed])
        // Every job on every target, with its exit status; the servers were stopped at the end.
        let servers = d.jobs.filter { $0.name == "httpd" }
        #expect(Set(servers.map(\.target)) == ["web-0", "web-1"])
        #expect(servers.allSatisfy { $0.status == .stopped && $0.exitStatus == 143 && $0.background }, "\(servers)")
        let others = d.jobs.filter { $0.name != "httpd" }
        #expect(others.count == 11 && others.allSatisfy { $0.status == .passed }, "\(others)")
        #expect(others.filter { $0.kind == "run" }.allSatisfy { $0.exitStatus == 0 })
        #expect(d.jobs.filter { $0.stage == "load" && $0.name == "run-1" }.compactMap(\.item).sorted()
                == [try lab.guest("web-0").nics[1].ip, try lab.guest("web-1").nics[1].ip].sorted())
        // The metric: three samples per item.
        let metric = try #require(d.metrics.first { $0.metric == "fetch_ms" })
        #expect(metric.count == 6 && metric.target == "client" && metric.min > 0, "\(metric)")

        // The output of every job, from the CLI and as JSON.
        let logs = try await runs(lab, "logs", id)
        #expect(logs.status == 0)
        for expected in ["web-0 httpd | web 0 serving", "web-1 httpd | web 1 serving",
                         "main run-1 | web-0 answered; reported on main", "h1 run-1 | web-0 answered; reported on h1"] {
            #expect(logs.stdout.contains(expected), "\(expected) in \(logs.stdout)")
        }
        let client = try await runs(lab, "logs", id, "--guest", "client", "--json")
        let entries = client.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(entries.count >= 7 && entries.allSatisfy { $0["target"] as? String == "client" })
        #expect(entries.contains { ($0["text"] as? String) == "web-0\n" && ($0["stream"] as? String) == "stdout" })
        let list = try await runs(lab, "list")
        #expect(list.stdout.split(separator: "\n").contains { $0.hasPrefix("\(id) ") && $0.contains("passed") }, "\(list.stdout)")
        let show = try await runs(lab, "show", id)
        #expect(show.stdout.contains("fetch_ms") && show.stdout.contains("vars end:  port=8080 served=web-0"), "\(show.stdout)")
        #expect(try await leftovers(lab, id).isEmpty)
    }

    /// One guest in three fails: under max_fail_percent 50 the run goes on, over 20 it stops.
    func failureThresholds(_ lab: TestLab) async throws {
        let text = try String(contentsOfFile: scenario(lab, "threshold.yaml"), encoding: .utf8)
        for (percent, passes) in [(50, true), (20, false)] {
            let file = scenario(lab, "threshold-\(percent).yaml")
            try text.replacingOccurrences(of: "PERCENT", with: String(percent)).write(toFile: file, atomically: true, encoding: .utf8)
            let r = try await lab.run("run", file)
            #expect(r.status == (passes ? 0 : 1), "\(percent)%: \(r.stdout)\(r.stderr)")
            let d = try await detail(lab, try runID(r.stdout))
            let check = d.jobs.filter { $0.stage == "check" }
            #expect(check.count == 3 && check.filter { $0.status == .failed }.map(\.target) == ["web-0"])
            #expect(check.first { $0.target == "web-0" }?.exitStatus == 1)
            #expect(d.jobs.contains { $0.stage == "after" } == passes)
            #expect(d.run.status == (passes ? .passed : .failed))
            if !passes { #expect(d.run.error?.contains("stage check failed: 1 of 3 failed") == true, "\(d.run.error ?? "")") }
        }
    }

    /// Every mistake at once, with its place, exit 2, and nothing run or recorded.
    func scenarioErrorsStopEverythingBeforeItRuns(_ lab: TestLab) async throws {
        let before = try await runs(lab, "list", "--json").stdout
        let r = try await lab.run("run", scenario(lab, "bad.yaml"))
        #expect(r.status == 2, "\(r.stdout)\(r.stderr)")
        let file = scenario(lab, "bad.yaml")
        for expected in ["3 errors in the scenario", "\(file):2:9: error: `web-(\\d+` is not a valid regular expression",
                         "\(file):4:20: error: `{{ guests.db.ip.lan }}`: no guest `db` in testbed e2erun",
                         "\(file):5:16: error: expected a duration"] {
            #expect(r.stderr.contains(expected), "\(expected) in \(r.stderr)")
        }
        #expect(try await runs(lab, "list", "--json").stdout == before)
        let dry = try await lab.run("run", scenario(lab, "experiment.yaml"), "--dry-run")
        #expect(dry.status == 0 && dry.stdout.contains("stage 3 report: 2 hosts, concurrent"), "\(dry.stdout)")
    }

    /// `tbctl exec --host`: the master in its shell, h1 over its SSH login.
    func execOnHosts(_ lab: TestLab) async throws {
        let r = try await lab.run("exec", "client", "--host", "main", "--host", "h1", "--", "echo $ROLE:$(hostname)")
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        let here = ProcessInfo.processInfo.hostName
        let h1 = try await FakeHosts.exec("h1", ["hostname"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(Set(r.stdout.split(separator: "\n").map(String.init)) == ["client | :client", "host main | :\(here)", "host h1 | :\(h1)"],
                "\(r.stdout)")
        let unknown = try await lab.run("exec", "--host", "h2", "--", "true")
        #expect(unknown.status == 2 && unknown.stderr.contains("no host `h2` in testbed e2erun"), "\(unknown.stderr)")
    }

    /// SIGINT while background jobs run on every guest and host: no process of the run is left.
    func ctrlCLeavesNoProcess(_ lab: TestLab) async throws {
        let live = try LiveCommand([Repo.tbctl, "run", "-f", lab.compose, scenario(lab, "hold.yaml")])
        #expect(await live.waitFor("| holding", count: 3), "\(live.output)")
        let id = try runID(live.output)
        #expect(try await leftovers(lab, id).count >= 8, "the run's processes are there before the interrupt")
        live.signal(SIGINT)
        let r = await live.finish()
        #expect(r.status == 130, "\(r.stdout)\(r.stderr)")
        #expect(r.stderr.contains("interrupted: stopping the run's jobs on every target"))
        #expect(try await leftovers(lab, id) == [])
        let d = try await detail(lab, id)
        #expect(d.run.status == .interrupted && d.run.cleaned && d.run.exitCode == 130)
        #expect(d.jobs.filter { $0.name == "ticker" }.allSatisfy { $0.status == .stopped })
        #expect(d.jobs.filter { $0.stage == "hold" }.allSatisfy { $0.status == .cancelled })
    }

    /// kill -9: the run reads `interrupted`, its processes stay until `tbctl runs stop`, or
    /// until the next `tbctl run`, stops them.
    func killedRunsAreCleanedLater(_ lab: TestLab) async throws {
        for cleaner in ["runs stop", "next run"] {
            let live = try LiveCommand([Repo.tbctl, "run", "-f", lab.compose, scenario(lab, "hold.yaml")])
            #expect(await live.waitFor("| holding", count: 3), "\(live.output)")
            let id = try runID(live.output)
            live.signal(SIGKILL)
            #expect(await live.finish().status == 137)
            let list = try await runs(lab, "list")
            #expect(list.stdout.split(separator: "\n").contains { $0.hasPrefix("\(id) ") && $0.contains("interrupted") && $0.contains("left processes") },
                    "\(list.stdout)")
            #expect(try await leftovers(lab, id).count >= 8, "kill -9 left the run's processes")
            if cleaner == "runs stop" {
                let stop = try await runs(lab, "stop", id)
                #expect(stop.status == 0 && stop.stdout.contains("run \(id) was interrupted (its tbctl died): stopped its processes on"),
                        "\(stop.stdout)\(stop.stderr)")
            } else {
                let next = try await lab.run("run", scenario(lab, "quick.yaml"))
                #expect(next.status == 0 && next.stdout.contains("run \(id) was interrupted (its tbctl died): stopped its processes on"),
                        "\(next.stdout)\(next.stderr)")
            }
            #expect(try await leftovers(lab, id) == [])
            let after = try await detail(lab, id)
            #expect(after.run.status == .interrupted && after.run.cleaned && !after.run.ownerDied)
        }
    }

    /// `--detach`: the run goes on after the shell that started it and its whole process group
    /// are killed (a closing terminal or SSH session hangs them up; KILL, since the test's
    /// children may inherit a blocked SIGHUP); `runs logs --follow` reattaches and ends with it.
    func detachedRunOutlivesItsShell(_ lab: TestLab) async throws {
        let start = try await Subprocess.run(["/usr/bin/setsid", "-w", "bash", "-c",
            "\(Repo.tbctl) run -f \(lab.compose) \(scenario(lab, "tick.yaml")) --detach; kill -KILL 0"])
        #expect(start.status != 0, "the starting shell's process group was killed: \(start)")
        let id = try #require(start.stdout.firstMatch(of: #/run (\d+) goes on in the background/#).map { String($0.1) }, "\(start.stdout)")
        let running = try await runs(lab, "show", id, "--json")
        #expect(running.stdout.contains("\"status\" : \"running\""), "\(running.stdout)")
        let follow = try await runs(lab, "logs", id, "--follow")
        #expect(follow.status == 0, "\(follow.stdout)\(follow.stderr)")
        let ticks = follow.stdout.split(separator: "\n").filter { $0.hasPrefix("client run-1 | tick ") }
        #expect(ticks.map(String.init) == (1...8).map { "client run-1 | tick \($0)" }, "\(follow.stdout)")
        #expect(follow.stdout.hasSuffix("-- run \(id) passed\n"), "\(follow.stdout)")
        let d = try await detail(lab, id)
        #expect(d.run.detached && d.run.status == .passed)
        let console = try String(contentsOfFile: lab.workspace.path("runs/\(id).out"), encoding: .utf8)
        #expect(console.contains("client run-1 | tick 8"))
    }

    /// `impair`, `partition` and `link` jobs on a remote guest (web-0 on h1) and a local one
    /// (web-1): the round trip rises by the delay and falls back; the cut guests do not answer
    /// and answer again once mended; nothing is left recorded.
    func networkConditionJobs(_ lab: TestLab) async throws {
        let r = try await lab.run("run", scenario(lab, "conditions.yaml"))
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        let d = try await detail(lab, try runID(r.stdout))
        func avg(_ m: String) -> Double { d.metrics.first { $0.metric == m }?.mean ?? -1 }
        let before = avg("rtt_before"), slow = avg("rtt_slow"), after = avg("rtt_after")
        #expect(before > 0 && before < 50 && after > 0 && after < 50, "\(d.metrics)")
        #expect(slow - before > 80 && slow - before < 120, "rtt \(before) ms -> \(slow) ms with 100 ms delay")
        #expect(r.stdout.contains("client run-1 | both cut") && r.stdout.contains("web-1 answers"), "\(r.stdout)")
        let record = try ConditionsRecord.load(lab.workspace)
        #expect(record.isEmpty, "cleared, healed and up again, with nothing left to undo: \(record)")
    }

    /// `scale` with `batch: 1`: two clones added one at a time, each answering over SSH
    /// before the next is made; the next stage runs on all four.
    func scaleInBatches(_ lab: TestLab) async throws {
        let r = try await lab.run("run", scenario(lab, "scale.yaml"))
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        let id = try runID(r.stdout)
        let log = try await runs(lab, "logs", id, "--job", "scale-1").stdout
        let grow = log.split(separator: "\n").map(String.init).filter { $0.hasPrefix("testbed scale-1 | ") }
        func at(_ s: String) -> Int { grow.firstIndex { $0.contains(s) } ?? -1 }
        let first = at("scale web: 2 -> 3"), ready2 = at("ok  wait for web-2 to answer"),
            second = at("scale web: 3 -> 4"), ready3 = at("ok  wait for web-3 to answer")
        #expect(first >= 0 && first < ready2 && ready2 < second && second < ready3, "\(log)")
        let d = try await detail(lab, id)
        let hello = d.jobs.filter { $0.stage == "hello" }
        #expect(Set(hello.map(\.target)) == ["web-0", "web-1", "web-2", "web-3"] && hello.allSatisfy { $0.status == .passed })
        #expect(r.stdout.contains("web-3 run-1 | web-3"))
        #expect(try lab.state.service(named: "web")?.clones == ["web-0", "web-1"])
    }

    // MARK: - helpers

    /// `tbctl runs SUB -f COMPOSE ARGS...`
    func runs(_ lab: TestLab, _ sub: String, _ args: String...) async throws -> CommandResult {
        try await Subprocess.run([Repo.tbctl, "runs", sub, "-f", lab.compose] + args)
    }

    func runID(_ output: String) throws -> String {
        try #require(output.firstMatch(of: #/run (\d+): /#).map { String($0.1) }, "no run id in \(output)")
    }

    func detail(_ lab: TestLab, _ id: String) async throws -> RunDetail {
        let r = try await runs(lab, "show", id, "--json")
        try #require(r.status == 0, "\(r.stderr)")
        return try JSONDecoder().decode(RunDetail.self, from: Data(r.stdout.utf8))
    }

    /// Processes of run `id` left anywhere: on each guest (`ps`, and the run's tag in
    /// /proc/*/environ) and on the testbed hosts (one process table on this machine).
    func leftovers(_ lab: TestLab, _ id: String) async throws -> [String] {
        let tag = "TBCTL_RUN=e2erun/\(id)/"
        let check = "ps | grep -E '[t]ick |[h]ttpd -p 8099|[s]leep 600|[w]hile true'; grep -l '\(tag)' /proc/[0-9]*/environ 2>/dev/null; true"
        var found: [String] = []
        for g in ["client", "web-0", "web-1"] {
            let r = try await lab.ssh(g, check)
            found += r.stdout.split(separator: "\n").map { "\(g): \($0)" }
        }
        let hosts = try await Subprocess.run(["sh", "-c", "grep -l '\(tag)' /proc/[0-9]*/environ 2>/dev/null; true"])
        found += hosts.stdout.split(separator: "\n").map { "hosts: \($0)" }
        return found
    }
}
}
