import Apply
import Conditions
import Artefacts
import Core
import Foundation
import HostFakes
import Hosts
import Project
import Records
import RunTargets
import Runner
import Scenario
import TestbedState
import TestSupport
import Testing
import Workspace

/// A testbed of fake hosts (HostFakes), brought up by Apply, then driven by scenarios through
/// the same targets `tbctl run` uses (LiveTargets, LiveTestbed) over the Hosts protocols.
final class FakeTestbed: @unchecked Sendable {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("runtargets-\(UUID().uuidString)").path
    let state: TestbedState
    let workspace: Workspace
    let lab: FakeLab

    init() async throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Data([0x51, 0x46, 0x49, 0xfb] + Array(repeating: 7, count: 60)).write(to: URL(fileURLWithPath: dir + "/demo.qcow2"))
        var l = Lab()
        l.imageSource = dir + "/demo.qcow2"
        l.guests = [Lab.guest("web", replicas: 2), Lab.guest("db")]
        workspace = Workspace(composeFile: dir + "/testbed.yaml")
        state = try l.compile(digest: { try Digest.sha256Hex(fileAt: $0) })
        try workspace.ensureRoot()
        try writeFile(workspace.stateFile, try state.encoded(), mode: 0o644)
        _ = try ArtefactWriter.write(state: state, projectSecret: Lab.key.seed, to: workspace.artefacts)
        lab = FakeLab(state)
        try await Provisioner(state: state, workspace: workspace, progress: Progress(verbose: false, tty: false, output: { _ in }),
                              connector: lab).upLocked()
    }

    deinit { try? FileManager.default.removeItem(atPath: dir) }

    /// SSH sessions opened to a guest so far (`up` opened one to wait for it).
    func connects(_ guest: String) -> Int { lab.calls.filter { $0.op == "guest.connect" && $0.object == guest }.count }

    func execs(_ guest: String) -> [String] { lab.host("main").domains[state.project + "-" + guest]?.execs ?? [] }

    /// Runs a scenario to its end; its outcome and record.
    func run(_ yaml: String) async throws -> (RunOutcome, RunDetail) {
        let scenario = try ScenarioLoader.load(text: yaml, file: "s.yaml", folder: dir)
        let facts = Facts(state: state)
        let plan = try Expansion.expand(scenario, facts: facts)
        let records = RecordsDirectory(dir + "/runs")
        let writer = try RunWriter.start(NewRun(project: state.project, composeFile: workspace.composeFile, scenarioFile: dir + "/s.yaml",
                                                scenarioText: yaml, vars: plan.vars), in: records)
        let targets = LiveTargets(state: state, workspace: workspace, connector: lab)
        let testbed = LiveTestbed(project: Project(composeFile: workspace.composeFile), targets: targets)
        let out = await Runner(plan: plan, facts: facts, access: targets, testbed: testbed, record: writer, events: Quiet(),
                               options: RunnerOptions(killGrace: .milliseconds(100))).run()
        await writer.finish(out.status, exitCode: Int(out.exitCode), error: out.error, vars: out.vars, cleaned: out.cleaned)
        return (out, try #require(try RunRecords(records).detail(writer.id)))
    }
}

struct Quiet: RunEvents {}

@Suite struct RunTargetsTests {
    @Test func jobsRunTaggedWithTheGuestsEnvAndTheRunIsSweptAtTheEnd() async throws {
        let t = try await FakeTestbed()
        let before = t.connects("web-0")
        t.lab.onExec { guest, command in
            command.contains("hostname") ? CommandResult(status: 0, stdout: guest + "\n", stderr: "") : nil
        }
        let (out, d) = try await t.run("""
        stages:
          - on: 'web-\\d'
            jobs: [{run: 'hostname', register: me}]
          - guests: [db]
            jobs: [{run: 'echo {{ vars.me }}'}]
        """)
        #expect(out.status == .passed && out.cleaned)
        let job = try #require(t.execs("web-0").first)
        #expect(job.hasPrefix("export ROLE=web; TBCTL_RUN='lab/\(d.run.id)/' TBCTL_JOB='lab/\(d.run.id)/"), "\(job)")
        #expect(job.hasSuffix("export TBCTL_RUN TBCTL_JOB; hostname"))
        // Every guest the run touched got the sweep for the run's processes, last.
        for g in ["web-0", "web-1", "db"] {
            #expect(t.execs(g).last?.hasPrefix("n='TBCTL_RUN'; v='lab/\(d.run.id)/'") == true, "\(g): \(t.execs(g))")
        }
        #expect(t.execs("db").first?.hasSuffix("; echo web-0") == true || t.execs("db").first?.hasSuffix("; echo web-1") == true)
        // One session per guest for the whole run.
        #expect(t.connects("web-0") == before + 1)
    }

    @Test func aGuestThatIsNotRunningFailsAtOnce() async throws {
        let t = try await FakeTestbed()
        t.lab.edit { $0.hosts["main"]?.domains["lab-db"]?.state = .shutoff }
        let before = t.connects("db")
        let (out, d) = try await t.run("stages:\n  - guests: [db]\n    jobs: [{run: 'true'}]\n")
        #expect(out.status == .failed)
        #expect(d.jobs[0].error?.contains("guest db on host main is not running (shutoff)") == true, "\(d.jobs[0])")
        #expect(t.connects("db") == before, "no SSH attempt: libvirt says the guest is down")
    }

    /// A snapshot job takes a testbed snapshot; after a restore the guests' sessions are opened
    /// again (their TCP state went back in time).
    @Test func snapshotAndRestoreJobs() async throws {
        let t = try await FakeTestbed()
        let before = t.connects("db")
        let (out, d) = try await t.run("""
        stages:
          - guests: [db]
            jobs: [{run: 'true'}]
          - jobs: [{snapshot: 'clean-{{ run.id }}'}, {restore: 'clean-{{ run.id }}'}]
          - guests: [db]
            jobs: [{run: 'true'}]
        """)
        #expect(out.status == .passed, "\(out)")
        #expect(t.lab.host("main").domains.values.allSatisfy { $0.snapshots.map(\.name) == ["clean-\(d.run.id)"] })
        #expect(t.connects("db") == before + 2)
        let log = try RunRecords(RecordsDirectory(t.dir + "/runs")).logs(d.run.id, LogFilter(job: "snapshot-1")).map(\.text).joined()
        #expect(log.contains("snapshot clean-\(d.run.id) of 3 guests taken"), "\(log)")
    }

    /// Jobs on the master run in its own shell, each in a session of its own.
    @Test func hostJobsOnTheMasterRunLocally() async throws {
        let t = try await FakeTestbed()
        let (out, d) = try await t.run("stages:\n  - hosts: all\n    jobs: [{run: 'echo \"{{ host.name }} $TBCTL_RUN\"; ps -o sid= -p $$ | tr -d \" \"; echo $$'}]\n")
        #expect(out.status == .passed)
        let lines = try RunRecords(RecordsDirectory(t.dir + "/runs")).logs(d.run.id, LogFilter(target: "main")).map(\.text).joined()
            .split(separator: "\n").map(String.init)
        #expect(lines.first == "main lab/\(d.run.id)/", "\(lines)")
        #expect(lines.count == 3 && lines[1] == lines[2], "the job's shell leads its own session: \(lines)")
    }

    /// `link`, `partition` jobs change the testbed as `tbctl link|partition` do: recorded in
    /// .testbed/conditions.json and made on the hosts; `heal` and `up` undo them.
    @Test func conditionJobsChangeTheTestbed() async throws {
        let t = try await FakeTestbed()
        let mac = try #require(t.state.guest(named: "db")?.nics.first { !$0.isManagement }?.mac).lowercased()
        let (out, d) = try await t.run("""
        stages:
          - jobs: [{link: {guest: db, network: lan, state: down}}]
          - jobs: [{partition: ['service:web', db]}]
        """)
        #expect(out.status == .passed, "\(out)")
        #expect(t.lab.host("main").domains["lab-db"]?.linksDown == [mac])
        let record = try ConditionsRecord.load(t.workspace)
        #expect(record.downNICs == [NICRef(guest: "db", network: "lan")] && record.desired.partitions.count == 1)
        let log = try RunRecords(RecordsDirectory(t.dir + "/runs")).logs(d.run.id, LogFilter(job: "link-1")).map(\.text).joined()
        #expect(log.contains("link db:lan down"), "\(log)")

        let (healed, _) = try await t.run("stages:\n  - jobs: [{partition: heal}, {link: {guest: db, network: lan, state: up}}]\n")
        #expect(healed.status == .passed)
        #expect(t.lab.host("main").domains["lab-db"]?.linksDown == [])
        #expect(try ConditionsRecord.load(t.workspace).desired.partitions.isEmpty)
    }

    /// Literal names and values are checked against the testbed before the run starts, each
    /// error at its place; templated ones, and those after a scale, when the job runs.
    @Test func conditionJobsAreCheckedBeforeTheRun() throws {
        let state = try self.state
        let l = { (text: String) throws -> [String] in
            let plan = try Expansion.expand(try ScenarioLoader.load(text: text, file: "s.yaml", folder: "/"), facts: Facts(state: state))
            return ConditionJobs.problems(plan, state: state).map { "\($0.mark!.line):\($0.mark!.column) \($0.message)" }
        }
        let got = try l("""
        stages:
          - jobs:
              - link: {guest: db, network: dmz, state: down}
              - impair: {target: 'db:lan', delay: 10parsecs}
              - partition: [db, nosuch]
              - impair: {target: db, loss: 5%}
        """)
        #expect(got == [
            "3:23 guest db is not on network dmz; it is on: lan",
            "4:26 delay `10parsecs`: unknown unit `parsecs` (use us, ms or s)",
            "5:21 no guest, service or host `nosuch` in testbed lab\n  guests: db, web-0, web-1; services: web; hosts: main",
        ], "\(got)")
        #expect(try l("stages:\n  - jobs: [{scale: {service: web, replicas: 3}}]\n  - jobs: [{link: {guest: web-2, network: lan, state: down}}]\n").isEmpty)
    }

    var state: TestbedState {
        get throws {
            var l = Lab()
            l.imageSource = "/nonexistent/demo.qcow2"
            l.guests = [Lab.guest("web", replicas: 2), Lab.guest("db")]
            return try l.compile(digest: { _ in String(repeating: "0", count: 64) })
        }
    }
}
