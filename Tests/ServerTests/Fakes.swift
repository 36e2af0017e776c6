import Core
import Foundation
import Metrics
import Server
import TestbedState
import TestSupport

/// A testbed of two hosts: `a` on main, `web` with two clones.
func labState() throws -> TestbedState {
    var lab = Lab()
    lab.hosts.append(Lab.remote("h1", "10.77.0.11"))
    lab.guests = [Lab.guest("a", host: "main"), Lab.guest("web", replicas: 2)]
    return try lab.compile()
}

/// Every guest's domain running, its CPU and first NIC's bytes growing at each call.
final class GrowingStats: StatsSource {
    let state: TestbedState
    let calls = Locked(0)
    let stopped = Locked(Set<String>())
    init(_ state: TestbedState) { self.state = state }

    func domainStats(of host: TestbedState.Host) async throws -> [DomainStats] {
        let n = Double(calls.withLock { $0 += 1; return $0 })
        return state.guests.filter { $0.host == host.name }.map { g in
            var numbers: [String: Double] = ["state.state": stopped.current.contains(g.name) ? 5 : 1, "cpu.time": n * 1e8, "vcpu.current": 1,
                                             "net.count": 1, "net.0.rx.bytes": n * 1000, "net.0.tx.bytes": n * 500,
                                             "block.count": 1, "block.0.rd.bytes": 4096]
            if stopped.current.contains(g.name) { numbers = ["state.state": 5] }
            var d = DomainStats(domain: g.domain, numbers: numbers, strings: ["net.0.name": "vnet\(g.name.count)", "block.0.name": "vda"])
            for i in d.nics.indices { d.nics[i].mac = g.nics[0].mac }
            return d
        }
    }
}

struct FixedTestbed: TestbedSource {
    let fixed: TestbedState
    func state() throws -> TestbedState { fixed }
    func snapshots() throws -> [SnapshotView] {
        [SnapshotView(name: "clean", kind: "testbed", createdAt: "2026-12-01T10:00:00Z", hosts: ["main"],
                      guests: [.init(guest: "a", host: "main", state: "running")])]
    }
    func facts() throws -> TestbedFacts { TestbedFacts(snapshots: [.init(name: "clean", kind: "testbed", created: 1.8e9, guests: 1)]) }
}

/// Runs kept in memory: run 1 passed, run 2 running until `finish(2)`; `start` adds a run.
actor FakeRuns: RunSource {
    var list: [RunView]
    var lines: [Int64: [LogLineView]] = [:]
    var saved: [Int64: ChartsView] = [:]
    var started: [(String, [String: String])] = []

    init() {
        let now = Date().timeIntervalSince1970
        list = [RunView(id: 2, scenario: "load.yaml", description: nil, status: "running", startedAt: now - 5, endedAt: nil, exitCode: nil, error: nil),
                RunView(id: 1, scenario: "setup.yaml", description: "first", status: "passed", startedAt: now - 60, endedAt: now - 50, exitCode: 0, error: nil)]
        lines[1] = [LogLineView(id: 1, at: now - 59, guest: "a", job: "hello", stream: "stdout", text: "hello from a"),
                    LogLineView(id: 2, at: now - 58, guest: nil, job: nil, stream: "event", text: "stage setup passed")]
        lines[2] = [LogLineView(id: 3, at: now - 4, guest: "web-0", job: "bench", stream: "stdout", text: "Requests per second: 812.5")]
    }

    nonisolated func runs() async throws -> [RunView] { await list }
    func run(_ id: Int64) async throws -> RunDetailView? {
        guard let r = list.first(where: { $0.id == id }) else { return nil }
        return RunDetailView(run: r, stages: [.init(name: "setup", status: r.status, startedAt: r.startedAt, endedAt: r.endedAt)],
                             jobs: [.init(id: 10 * id, stage: "setup", name: "hello", kind: "run", guest: "a", status: r.status == "running" ? "running" : "passed",
                                          exitStatus: r.status == "running" ? nil : 0, error: nil, startedAt: r.startedAt, endedAt: r.endedAt)],
                             metrics: [.init(metric: "rps", guest: "web-0", job: "bench", count: 1, min: 812.5, max: 812.5, mean: 812.5, last: 812.5)],
                             charts: nil)
    }
    func logs(_ id: Int64, guest: String?, job: String?, after: Int64) async throws -> [LogLineView] {
        (lines[id] ?? []).filter { $0.id > after && (guest == nil || $0.guest == guest) && (job == nil || $0.job == job) }
    }
    nonisolated func follow(_ id: Int64, guest: String?, job: String?, after: Int64) -> AsyncThrowingStream<LogLineView, any Error> {
        AsyncThrowingStream { c in
            Task {
                for l in try await self.logs(id, guest: guest, job: job, after: after) { c.yield(l) }
                c.finish()
            }
        }
    }
    func facts() async throws -> TestbedFacts {
        TestbedFacts(runs: list.map { .init(id: String($0.id), scenario: $0.scenario, status: $0.status, duration: ($0.endedAt ?? $0.startedAt + 5) - $0.startedAt) },
                     jobs: [.init(run: "1", stage: "setup", job: "hello", guest: "a", status: "passed", duration: 1.5)],
                     samples: [.init(run: "2", scenario: "load.yaml", metric: "rps", job: "bench", guest: "web-0", value: 812.5)])
    }
    func start(scenario: String, vars: [String: String]) async throws -> Int64 {
        if scenario.hasSuffix("bad.yaml") { throw TBError(.invalidInput, "bad.yaml:3:5: unknown key `stagez`") }
        started.append((scenario, vars))
        let id = (list.map(\.id).max() ?? 0) + 1
        list.insert(RunView(id: id, scenario: scenario, description: nil, status: "running", startedAt: Date().timeIntervalSince1970,
                            endedAt: nil, exitCode: nil, error: nil), at: 0)
        return id
    }
    func cancel(_ id: Int64) async throws {
        guard let i = list.firstIndex(where: { $0.id == id }) else { throw TBError(.notFound, "no run \(id)") }
        guard list[i].status == "running" else { throw TBError(.conflict, "run \(id) has already ended (\(list[i].status))") }
        finish(id, status: "interrupted")
    }
    func finish(_ id: Int64, status: String = "passed") {
        guard let i = list.firstIndex(where: { $0.id == id }) else { return }
        list[i].status = status; list[i].endedAt = Date().timeIntervalSince1970
    }
    func saveCharts(_ id: Int64, _ charts: ChartsView) async throws { saved[id] = charts }
    func charts(_ id: Int64) async throws -> ChartsView? { saved[id] }
}
