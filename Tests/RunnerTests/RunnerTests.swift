import Core
import Foundation
import Records
import Scenario
import Testing
@testable import Runner

let facts = Facts(
    project: "unit", composeFile: "/lab/testbed.yaml",
    guests: [
        .init(name: "a", service: nil, index: nil, host: "main", management: "10.100.0.2", addresses: ["lan": "10.1.0.2"]),
        .init(name: "b", service: nil, index: nil, host: "main", management: "10.100.0.3", addresses: ["lan": "10.1.0.3"]),
        .init(name: "web-0", service: "web", index: 0, host: "main", management: "10.100.0.4", addresses: ["lan": "10.1.0.4"]),
        .init(name: "web-1", service: "web", index: 1, host: "main", management: "10.100.0.5", addresses: ["lan": "10.1.0.5"]),
        .init(name: "web-2", service: "web", index: 2, host: "main", management: "10.100.0.6", addresses: ["lan": "10.1.0.6"]),
        .init(name: "web-3", service: "web", index: 3, host: "main", management: "10.100.0.7", addresses: ["lan": "10.1.0.7"]),
    ],
    hosts: [.init(name: "main", isMaster: true, address: nil)], services: ["web": ["lan"]])

/// A run of a scenario text against the fakes, recorded in a temporary folder.
final class Harness: @unchecked Sendable {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("runner-\(UUID().uuidString)").path
    let targets: FakeTargets
    let testbed = FakeTestbed(facts)
    let screen = Screen()
    var options = RunnerOptions(killGrace: .milliseconds(100), cleanupTimeout: .seconds(5))

    init(unreachable: Set<String> = [], script: @escaping @Sendable (String, String) -> Behaviour = { _, _ in .exit(0) }) {
        targets = FakeTargets(unreachable: unreachable, script: script)
    }

    deinit { try? FileManager.default.removeItem(atPath: dir) }

    var records: RecordsDirectory { RecordsDirectory(dir + "/runs") }

    func runner(_ yaml: String, vars: [String: String] = [:]) throws -> (Runner, RunWriter) {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let scenario = try ScenarioLoader.load(text: yaml, file: "s.yaml", folder: dir)
        let plan = try Expansion.expand(scenario, facts: facts, vars: vars)
        let writer = try RunWriter.start(NewRun(project: "unit", composeFile: "/lab/testbed.yaml", scenarioFile: dir + "/s.yaml",
                                                scenarioText: yaml, vars: plan.vars), in: records)
        return (Runner(plan: plan, facts: facts, access: targets, testbed: testbed, record: writer, events: screen, options: options), writer)
    }

    /// Runs to the end; returns the outcome and the record as `tbctl runs show` reads it.
    func run(_ yaml: String, vars: [String: String] = [:]) async throws -> (RunOutcome, RunDetail) {
        let (runner, writer) = try runner(yaml, vars: vars)
        let outcome = await runner.run()
        await writer.finish(outcome.status, exitCode: Int(outcome.exitCode), error: outcome.error, vars: outcome.vars, cleaned: outcome.cleaned)
        return (outcome, try #require(try RunRecords(records).detail(writer.id)))
    }

    func logs(_ id: Int64, _ filter: LogFilter = LogFilter()) throws -> [String] {
        try RunRecords(records).logs(id, filter).map(\.text)
    }
}

/// Largest number of calls running at the same moment.
func overlap(_ calls: [Call]) -> Int {
    var best = 0
    for c in calls {
        let n = calls.filter { $0.started <= c.started && ($0.ended ?? .now) > c.started }.count
        best = max(best, n)
    }
    return best
}

@Suite struct OrderAndConcurrencyTests {
    @Test func stagesInOrderJobsInOrderPerGuestGuestsConcurrently() async throws {
        let h = Harness { _, cmd in cmd.hasPrefix("slow") ? .exit(0, after: .milliseconds(80)) : .exit(0) }
        let (out, d) = try await h.run("""
        stages:
          - name: one
            on: 'web-\\d'
            jobs: [{run: 'slow {{ guest.name }}'}, {run: 'second {{ guest.name }}'}]
          - name: two
            guests: [a]
            jobs: [{run: third}]
        """)
        #expect(out.status == .passed && out.exitCode == 0 && out.cleaned)
        for g in ["web-0", "web-1", "web-2", "web-3"] { #expect(h.targets.commands(on: g) == ["slow \(g)", "second \(g)"]) }
        #expect(h.targets.commands.last == "third")
        #expect(overlap(h.targets.calls.filter { $0.command.hasPrefix("slow") }) == 4)
        #expect(d.stages.map(\.status) == [.passed, .passed])
        #expect(d.jobs.count == 9 && d.jobs.allSatisfy { $0.status == .passed && $0.exitStatus == 0 })
        // Every touched target was swept for leftovers at the end.
        #expect(Set(h.targets.kills.map(\.target)) == ["web-0", "web-1", "web-2", "web-3", "a"])
        #expect(h.targets.kills.allSatisfy { $0.tag == "TBCTL_RUN=unit/\(d.run.id)/" })
        #expect(h.screen.progress.last == StageCounts(total: 1, done: 1, running: 0, failed: 0))
    }

    @Test func sequentialModeRunsOneTargetAtATime() async throws {
        let h = Harness { _, _ in .exit(0, after: .milliseconds(30)) }
        _ = try await h.run("stages:\n  - service: web\n    mode: sequential\n    jobs: [{run: x}, {run: y}]\n")
        #expect(overlap(h.targets.calls) == 1)
        #expect(h.targets.calls.map { "\($0.target) \($0.command)" } == ["web-0 x", "web-0 y", "web-1 x", "web-1 y", "web-2 x", "web-2 y", "web-3 x", "web-3 y"])
    }

    @Test func withItemsOneAfterAnotherOrAllAtOnce() async throws {
        let h = Harness { _, _ in .exit(0, after: .milliseconds(40)) }
        _ = try await h.run("""
        stages:
          - guests: [a]
            jobs:
              - {run: 'seq {{ item }}', with_items: [1, 2, 3]}
              - {run: 'par {{ item.n }}', with_items: [{n: 1}, {n: 2}, {n: 3}], concurrent: true}
        """)
        let seq = h.targets.calls.filter { $0.command.hasPrefix("seq") }
        #expect(seq.map(\.command) == ["seq 1", "seq 2", "seq 3"] && overlap(seq) == 1)
        #expect(overlap(h.targets.calls.filter { $0.command.hasPrefix("par") }) == 3)
    }
}

@Suite struct FailureRuleTests {
    @Test func aFailingJobFailsItsStageAndStopsTheRun() async throws {
        let h = Harness { target, cmd in cmd == "check" && target == "b" ? .exit(3, output: "bad\n") : .exit(0) }
        let (out, d) = try await h.run("""
        stages:
          - name: s1
            guests: [a, b]
            mode: sequential
            jobs: [{run: check}, {run: after}]
          - name: s2
            all: true
            jobs: [{run: never}]
        """)
        #expect(out.status == .failed && out.exitCode == 1)
        #expect(out.error?.contains("stage s1 failed: 1 of 2 failed (b: run-1 failed)") == true, "\(out.error ?? "")")
        #expect(h.targets.commands == ["check", "after", "check"])
        #expect(d.stages.map(\.status) == [.failed])
        let failed = try #require(d.jobs.first { $0.status == .failed })
        #expect(failed.target == "b" && failed.exitStatus == 3 && failed.error == "exited with status 3")
        #expect(try h.logs(d.run.id, LogFilter(target: "b")) == ["bad\n"])
    }

    @Test func ignoredErrorsDoNotStopTheTarget() async throws {
        let h = Harness { _, cmd in cmd == "flaky" ? .exit(1) : .exit(0) }
        let (out, d) = try await h.run("stages:\n  - guests: [a]\n    jobs: [{run: flaky, ignore_errors: true}, {run: next}]\n")
        #expect(out.status == .passed)
        #expect(d.jobs.map(\.status) == [.ignored, .passed] && d.jobs[0].exitStatus == 1)
    }

    @Test func maxFailAndMaxFailPercent() async throws {
        let failing: @Sendable (Set<String>) -> @Sendable (String, String) -> Behaviour = { bad in { t, _ in bad.contains(t) ? .exit(1) : .exit(0) } }
        let yaml = { (rule: String) in "stages:\n  - service: web\n    \(rule)\n    jobs: [{run: x}]\n  - guests: [a]\n    jobs: [{run: later}]\n" }
        // 1 of 4 under max_fail 1: the run goes on.
        var h = Harness(script: failing(["web-1"]))
        var (out, _) = try await h.run(yaml("max_fail: 1"))
        #expect(out.status == .passed && h.targets.commands.contains("later"))
        // 2 of 4 over max_fail 1: stops.
        h = Harness(script: failing(["web-1", "web-2"]))
        (out, _) = try await h.run(yaml("max_fail: 1"))
        #expect(out.status == .failed && !h.targets.commands.contains("later"))
        // 50% of 4 is 2: two may fail, not three.
        h = Harness(script: failing(["web-0", "web-3"]))
        (out, _) = try await h.run(yaml("max_fail_percent: 50"))
        #expect(out.status == .passed)
        h = Harness(script: failing(["web-0", "web-1", "web-3"]))
        (out, _) = try await h.run(yaml("max_fail_percent: 50"))
        #expect(out.status == .failed && out.error?.contains("3 of 4 failed") == true)
    }

    @Test func anUnreachableTargetFailsLikeAFailingJob() async throws {
        let h = Harness(unreachable: ["b"])
        let (out, d) = try await h.run("stages:\n  - guests: [a, b]\n    jobs: [{run: x}]\n")
        #expect(out.status == .failed)
        #expect(d.jobs.first { $0.target == "b" }?.error?.contains("cannot reach b") == true)
    }

    @Test func onceOverTheLimitTheOtherTargetsAreCancelled() async throws {
        let h = Harness { t, _ in t == "web-0" ? .exit(1) : .untilKilled() }
        let (out, d) = try await h.run("stages:\n  - service: web\n    jobs: [{run: x}]\n")
        #expect(out.status == .failed)
        #expect(d.jobs.filter { $0.status == .cancelled }.count == 3)
        #expect(h.targets.alive == 0, "the run's kill ended the fake processes")
    }

    @Test func aTimedOutJobIsKilledAndFails() async throws {
        let h = Harness { _, _ in .untilKilled() }
        let (out, d) = try await h.run("stages:\n  - guests: [a]\n    jobs: [{run: hang, timeout: 100ms}]\n")
        #expect(out.status == .failed)
        #expect(d.jobs[0].error == "timed out after 100ms; its processes were stopped")
        #expect(h.targets.kills.contains { $0.tag == "TBCTL_JOB=unit/\(d.run.id)/1/" })
    }
}

@Suite struct VarsTests {
    @Test func registerWritesBackWhenTheJobSucceeds() async throws {
        let h = Harness { _, cmd in cmd == "cat /token" ? .exit(0, output: "  s3cret \n") : .exit(0) }
        let (out, d) = try await h.run("""
        vars: {n: 1}
        stages:
          - guests: [a]
            jobs: [{run: cat /token, register: token}]
          - guests: [b]
            jobs: [{run: 'use {{ vars.token }} {{ vars.n }}'}]
        """, vars: ["n": "2"])
        #expect(h.targets.commands.last == "use s3cret 2")
        #expect(out.vars == ["n": "2", "token": "s3cret"] && d.varsEnd == out.vars && d.varsStart == ["n": "2"])
    }

    /// A job reads the vars as they were when it started: a value registered meanwhile by a
    /// concurrent job is seen by the next job only.
    @Test func jobsGetACopyWhenTheyStart() async throws {
        let h = Harness { _, cmd in
            switch cmd {
            case "produce": return .exit(0, output: "new", after: .milliseconds(100))
            case "pause": return .exit(0, after: .milliseconds(300))
            default: return .exit(0)
            }
        }
        _ = try await h.run("""
        vars: {x: old}
        stages:
          - guests: [a, b]
            jobs:
              - {run: '{{ guest.name }}-first', register: ignored}
              - {run: produce, register: x}
          - guests: [b]
            jobs: [{run: 'early {{ vars.x }}'}]
        """.replacingOccurrences(of: "{run: '{{ guest.name }}-first', register: ignored}", with: "{run: pause}"))
        #expect(h.targets.commands.last == "early new")
        let h2 = Harness { _, cmd in cmd == "produce" ? .exit(0, output: "new", after: .milliseconds(200)) : .exit(0) }
        _ = try await h2.run("""
        vars: {x: old}
        stages:
          - guests: [a, b]
            jobs: [{run: 'step {{ guest.name }}'}]
          - guests: [a, b]
            jobs:
              - run: 'produce'
                register: x
              - run: 'read {{ vars.x }}'
        """)
        // a and b both produce; each `read` starts after its own produce wrote `new`.
        #expect(h2.targets.commands.filter { $0.hasPrefix("read") } == ["read new", "read new"])
    }

    @Test func aVarWhoseJobFailedFailsTheJobThatNeedsIt() async throws {
        let h = Harness { _, cmd in cmd == "make" ? .exit(1) : .exit(0) }
        let (out, d) = try await h.run("stages:\n  - guests: [a]\n    jobs: [{run: make, register: v, ignore_errors: true}, {run: 'use {{ vars.v }}'}]\n")
        #expect(out.status == .failed)
        #expect(d.jobs[1].error?.contains("`{{ vars.v }}`") == true && d.jobs[1].error?.contains("has no value") == true)
    }
}

@Suite struct BackgroundAndWaitTests {
    @Test func backgroundJobsRunUntilTheEndAndAreStopped() async throws {
        let h = Harness { _, cmd in cmd.hasPrefix("server") ? .untilKilled(output: "listening on 8080\n", after: .milliseconds(50)) : .exit(0) }
        let (out, d) = try await h.run("""
        stages:
          - service: web
            jobs:
              - {name: server, run: 'server {{ guest.name }}', background: true, metrics: {port: 'listening on ([0-9]+)'}}
              - wait: {log: 'listening on', job: server, timeout: 60s}
          - guests: [a]
            jobs: [{run: client}]
        """)
        #expect(out.status == .passed && out.cleaned)
        let servers = d.jobs.filter { $0.name == "server" }
        #expect(servers.count == 4 && servers.allSatisfy { $0.status == .stopped && $0.background && $0.exitStatus == 143 })
        #expect(d.jobs.filter { $0.kind == "wait" }.allSatisfy { $0.status == .passed })
        #expect(h.targets.alive == 0)
        #expect(d.metrics.count == 4 && d.metrics.allSatisfy { $0.last == 8080 })
    }

    @Test func aBackgroundJobThatFailsStopsTheRunBeforeTheNextStage() async throws {
        let crashed = Locked(false)
        let h = Harness { _, cmd in
            switch cmd {
            case "daemon": crashed.withLock { $0 = true }; return .exit(2, output: "crash\n")
            case "work": return .when({ crashed.current }, then: 0)
            default: return .exit(0)
            }
        }
        let (out, d) = try await h.run("""
        stages:
          - guests: [a]
            jobs: [{name: d, run: daemon, background: true}, {run: work}]
          - guests: [b]
            jobs: [{run: never}]
        """)
        #expect(out.status == .failed && out.error == "a background job failed: d on a: exited with status 2 while the run went on")
        #expect(!h.targets.commands.contains("never"))
        #expect(d.jobs.first { $0.name == "d" }?.status == .failed)
    }

    @Test func waitForAPortAndForALogLineThatNeverComes() async throws {
        let h = Harness { _, cmd in cmd == "quiet" ? .untilKilled(output: "starting\n") : .exit(0) }
        h.targets.portTries = 2
        let (out, d) = try await h.run("""
        stages:
          - guests: [a]
            jobs:
              - wait: {port: 8080, interval: 10ms, timeout: 60s}
              - {name: q, run: quiet, background: true}
              - wait: {log: ready, job: q, timeout: 200ms}
        """)
        #expect(out.status == .failed)
        #expect(d.jobs.map(\.status) == [.passed, .stopped, .failed])
        #expect(d.jobs[2].error == "q printed no line matching `ready` within 200ms")
    }

    @Test func waitForACommand() async throws {
        let tries = Locked(0)
        let h = Harness { _, _ in tries.withLock { $0 += 1; return $0 } < 3 ? .exit(1) : .exit(0) }
        let (out, _) = try await h.run("stages:\n  - guests: [a]\n    jobs: [{wait: {command: 'test -e /ready', interval: 10ms, timeout: 60s}}]\n")
        #expect(out.status == .passed && tries.current == 3)
    }
}

@Suite struct CancellationTests {
    /// Cancelling the run (Ctrl-C) ends the running jobs, kills the background ones on every
    /// guest, and says `interrupted`.
    @Test func cancelKillsBackgroundJobsEverywhere() async throws {
        let h = Harness { _, cmd in .untilKilled(output: cmd == "server" ? "up\n" : "") }
        let (runner, writer) = try h.runner("""
        stages:
          - service: web
            jobs: [{name: server, run: server, background: true}]
          - guests: [a, b]
            jobs: [{run: long}]
          - guests: [a]
            jobs: [{run: never}]
        """)
        let task = Task { await runner.run() }
        while h.targets.commands.filter({ $0 == "long" }).count < 2 { try await Task.sleep(for: .milliseconds(10)) }
        task.cancel()
        let out = await task.value
        await writer.finish(out.status, exitCode: Int(out.exitCode), error: out.error, vars: out.vars, cleaned: out.cleaned)
        #expect(out.status == .interrupted && out.exitCode == 130 && out.cleaned)
        #expect(h.targets.alive == 0, "no fake process is left on any target")
        #expect(Set(h.targets.kills.map(\.target)) == ["web-0", "web-1", "web-2", "web-3", "a", "b"])
        #expect(!h.targets.commands.contains("never") && h.targets.closed)
        let d = try #require(try RunRecords(h.records).detail(writer.id))
        #expect(d.run.status == .interrupted)
        #expect(d.jobs.filter { $0.name == "server" }.allSatisfy { $0.status == .stopped })
        #expect(d.jobs.filter { $0.name == "run-1" }.allSatisfy { $0.status == .cancelled })
        #expect(d.stages.map(\.status) == [.passed, .interrupted])
    }
}

@Suite struct TestbedStageTests {
    @Test func scaleInBatchesThenTheNextStageSeesTheNewClones() async throws {
        let h = Harness()
        let (out, d) = try await h.run("""
        stages:
          - name: grow
            jobs:
              - snapshot: 'before-{{ run.id }}'
              - scale: {service: web, replicas: 9, batch: 2, interval: 10ms}
          - service: web
            jobs: [{run: 'hello {{ guest.name }} {{ guest.ip.lan }}'}]
        """)
        #expect(out.status == .passed)
        #expect(h.testbed.operations == ["snapshot before-\(d.run.id)", "scale web 6", "scale web 8", "scale web 9"])
        #expect(h.targets.commands.count == 9 && h.targets.commands.contains { $0.hasPrefix("hello web-8 10.9.0.") })
        #expect(try h.logs(d.run.id, LogFilter(job: "scale-2")).joined() == "scale web: 4 -> 6\nscale web: 6 -> 8\nscale web: 8 -> 9\n")
    }

    /// A guest a scale removed took its processes with it: the final sweep skips it.
    @Test func guestsScaledAwayAreNotSweptAtTheEnd() async throws {
        let h = Harness()
        let (out, _) = try await h.run("stages:\n  - guests: [web-3]\n    jobs: [{run: x}]\n  - jobs: [{scale: {service: web, replicas: 2}}]\n")
        #expect(out.status == .passed && out.cleaned)
        #expect(h.targets.kills.isEmpty, "\(h.targets.kills)")
    }

    @Test func aFailedScaleFailsTheRun() async throws {
        let h = Harness()
        h.testbed.failScale = true
        let (out, d) = try await h.run("stages:\n  - jobs: [{scale: {service: web, replicas: 5}}]\n  - all: true\n    jobs: [{run: x}]\n")
        #expect(out.status == .failed && h.targets.commands.isEmpty)
        #expect(d.jobs[0].error?.contains("no room for more clones") == true)
    }
}
