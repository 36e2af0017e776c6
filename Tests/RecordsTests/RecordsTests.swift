import Core
import Foundation
import Testing
@testable import Records

/// A fresh records folder per test.
final class Folder {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("records-\(UUID().uuidString)").path
    var directory: RecordsDirectory { RecordsDirectory(path) }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

func newRun(_ vars: [String: String] = ["n": "1"]) -> NewRun {
    NewRun(project: "lab", composeFile: "/lab/testbed.yaml", scenarioFile: "/lab/s.yaml", scenarioText: "stages: []\n", vars: vars)
}

@Suite struct RecordsTests {
    @Test func aRunWithItsStagesJobsOutputSamplesAndVars() async throws {
        let f = Folder()
        let w = try RunWriter.start(newRun(), in: f.directory)
        w.stageStarted(0, name: "load", targets: 2)
        let a = w.jobStarted(NewJob(stageIndex: 0, stage: "load", jobIndex: 0, name: "bench", kind: "run", target: "client",
                                    targetKind: "guest", itemIndex: 0, item: "100", detail: "ab -n 100"))
        let b = w.jobStarted(NewJob(stageIndex: 0, stage: "load", jobIndex: 0, name: "bench", kind: "run", target: "db",
                                    targetKind: "guest", detail: "ab -n 100"))
        w.event("stage load: 2 guests")
        w.output(a, .stdout, Array("rps 10\n".utf8))
        w.output(b, .stderr, Array("oops\n".utf8))
        w.output(a, .stdout, Array("rps 30\n".utf8))
        w.sample(a, metric: "rps", value: 10, at: 1)
        w.sample(a, metric: "rps", value: 30, at: 2)
        w.variable("last", "30", jobID: a)
        w.jobEnded(a, status: .passed, exitStatus: 0)
        w.jobEnded(b, status: .failed, exitStatus: 3, error: "exited with status 3")
        w.stageEnded(0, status: .failed)
        await w.finish(.failed, exitCode: 1, error: "1 job failed", vars: ["n": "1", "last": "30"], cleaned: true)

        let r = try RunRecords(f.directory)
        let d = try #require(try r.detail(w.id))
        #expect(d.run.status == .failed && d.run.exitCode == 1 && d.run.cleaned && !d.run.ownerDied)
        #expect(d.varsStart == ["n": "1"] && d.varsEnd == ["n": "1", "last": "30"])
        #expect(d.stages.map(\.status) == [.failed] && d.stages[0].targets == 2)
        #expect(d.jobs.map(\.status) == [.passed, .failed] && d.jobs.map(\.exitStatus) == [0, 3])
        #expect(d.jobs[0].item == "100" && d.jobs[1].error == "exited with status 3")
        #expect(d.metrics == [MetricSummary(metric: "rps", target: "client", job: "bench", count: 2, min: 10, max: 30, mean: 20, last: 30)])
        #expect(try r.logs(w.id).map(\.text) == ["stage load: 2 guests\n", "rps 10\n", "oops\n", "rps 30\n"])
        #expect(try r.logs(w.id, LogFilter(target: "db")).map(\.text) == ["oops\n"])
        #expect(try r.logs(w.id, LogFilter(job: "bench"), after: 2).map(\.text) == ["oops\n", "rps 30\n"])
        #expect(try r.samples(w.id).map(\.value) == [10, 30])
        #expect(try r.targets(w.id).map(\.name) == ["client", "db"])
        #expect(!FileManager.default.fileExists(atPath: f.directory.ownerLock(w.id)))
    }

    @Test func readableWhileTheRunGoesOn() async throws {
        let f = Folder()
        let w = try RunWriter.start(newRun(), in: f.directory)
        let j = w.jobStarted(NewJob(stageIndex: 0, stage: "s", jobIndex: 0, name: "j", kind: "run", target: "a", targetKind: "guest", detail: "x"))
        w.output(j, .stdout, Array("first\n".utf8))
        await w.flush()
        let r = try RunRecords(f.directory)
        #expect(try r.run(w.id)?.status == .running)
        #expect(try r.jobs(w.id).map(\.status) == [.running])
        #expect(try r.logs(w.id).map(\.text) == ["first\n"])
        await w.finish(.passed, exitCode: 0, error: nil, vars: [:], cleaned: true)
        #expect(try r.run(w.id)?.status == .passed)
    }

    /// A run whose process died (its owner lock is gone) reads `interrupted`; marking it
    /// after its leftovers are gone makes that final.
    @Test func aRunWhoseProcessDiedReadsInterrupted() async throws {
        let f = Folder()
        let w = try RunWriter.start(newRun(), in: f.directory)
        _ = w.jobStarted(NewJob(stageIndex: 0, stage: "s", jobIndex: 0, name: "j", kind: "run", target: "a", targetKind: "guest", detail: "x"))
        await w.flush()
        w.dropOwnerLockForTests()
        let r = try RunRecords(f.directory)
        let s = try #require(try r.run(w.id))
        #expect(s.status == .interrupted && s.ownerDied && !s.cleaned)
        #expect(try r.leftBehind().map(\.id) == [w.id])
        try r.markInterrupted(w.id, reason: "its tbctl process died", cleaned: true)
        let after = try #require(try r.detail(w.id))
        #expect(after.run.status == .interrupted && !after.run.ownerDied && after.run.cleaned && after.run.exitCode == 130)
        #expect(after.jobs.map(\.status) == [.cancelled])
        #expect(try r.leftBehind().isEmpty)
    }

    @Test func twoRunsAtOnceGetTheirOwnIDs() async throws {
        let f = Folder()
        let a = try RunWriter.start(newRun(), in: f.directory)
        let b = try RunWriter.start(newRun(), in: f.directory)
        #expect(a.id != b.id)
        await a.finish(.passed, exitCode: 0, error: nil, vars: [:], cleaned: true)
        await b.finish(.interrupted, exitCode: 130, error: "interrupted", vars: [:], cleaned: true)
        #expect(try RunRecords(f.directory).list().map(\.status) == [.interrupted, .passed])
    }

    @Test func followReadsToTheEndOfTheRun() async throws {
        let f = Folder()
        let w = try RunWriter.start(newRun(), in: f.directory)
        let j = w.jobStarted(NewJob(stageIndex: 0, stage: "s", jobIndex: 0, name: "j", kind: "run", target: "a", targetKind: "guest", detail: "x"))
        w.output(j, .stdout, Array("1\n".utf8))
        await w.flush()
        let r = try RunRecords(f.directory)
        let writer = Task {
            for i in 2...5 {
                try await Task.sleep(for: .milliseconds(30))
                w.output(j, .stdout, Array("\(i)\n".utf8))
            }
            await w.finish(.passed, exitCode: 0, error: nil, vars: [:], cleaned: true)
        }
        var seen: [String] = []
        for try await e in r.follow(w.id) { seen.append(e.text) }
        try await writer.value
        #expect(seen == ["1\n", "2\n", "3\n", "4\n", "5\n"])
    }

    @Test func noRecordsYetIsNoRuns() throws {
        let f = Folder()
        let r = try RunRecords(f.directory)
        #expect(try r.list().isEmpty && (try r.detail(1)) == nil)
    }
}
