import Apply
import ArgumentParser
import Core
import Foundation
import Project
import Records
import RunTargets
import Runner
import Scenario
import TestbedState

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a scenario on the testbed: stages of jobs on its guests and hosts, all recorded.",
        usage: "tbctl run <scenario> [-f testbed.yaml] [--var NAME=VALUE ...] [--dry-run] [--detach] [--json]",
        discussion: """
            A scenario file lists stages; each selects guests (a regular expression over \
            their names, a service, a list, all) or testbed hosts, and runs its jobs on them: \
            commands (in the foreground or as background daemons), copies, waits, sleeps, and \
            testbed snapshots, restores and scaling. docs/experiments.md describes the file.

            Every problem in the scenario is reported before anything runs, with \
            file:line:column. Each run gets an id and a record in .testbed/runs/ (kept after \
            `down`): every job on every target with its output, exit status and times, the \
            vars, and metric samples. See `tbctl runs`.

            Ctrl-C stops the run cleanly: running jobs are cancelled and every process the run \
            started is killed on every guest and host; the run is recorded `interrupted`. A \
            second Ctrl-C quits at once; the next `tbctl run` (or `tbctl runs stop ID`) then \
            stops what was left, as it does for a run whose tbctl was killed.

            Exit status: 0 every job passed; 1 a job failed (or the run could not go on); \
            2 bad usage or a bad scenario; 130 interrupted.

            Examples:
              tbctl run load.yaml --dry-run
              tbctl run load.yaml --var requests=5000
              tbctl run soak.yaml --detach            then: tbctl runs logs ID --follow
            """)

    @OptionGroup var options: ProjectOptions
    @Argument(help: "The scenario file.") var scenario: String
    @Option(name: .customLong("var"), help: ArgumentHelp("Set a var (repeatable); wins over the scenario's `vars`.", valueName: "name=value"))
    var vars: [String] = []
    @Flag(help: "Print every job on every target with its values, and stop there: nothing runs.") var dryRun = false
    @Flag(help: "Run in the background, beyond this shell and SSH session; print the run's id.") var detach = false
    @OptionGroup var verbosity: VerboseOption
    /// json: the run's record at the end instead of the live output (with --detach: the id and log).
    @OptionGroup var output: OutputOptions
    @Option(help: ArgumentHelp("Seconds to wait for each guest's SSH.", valueName: "seconds")) var connectTimeout = 60
    /// Set by `--detach` on the copy it starts.
    @Flag(help: .hidden) var detachedChild = false

    func validate() throws {
        _ = try parsedVars()
        if connectTimeout < 1 { throw ValidationError("--connect-timeout must be at least 1 second") }
        if dryRun && detach { throw ValidationError("--dry-run runs nothing: it cannot --detach") }
    }

    func parsedVars() throws -> [String: String] {
        var out: [String: String] = [:]
        for v in vars {
            let parts = v.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, parts[0].first!.isLetter,
                  parts[0].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) else {
                throw ValidationError("--var takes NAME=VALUE (NAME: letters, digits, `_`, `-`), got `\(v)`")
            }
            out[parts[0]] = parts[1]
        }
        return out
    }

    func run() async throws {
        let project = Project(composeFile: options.file)
        let state = try TestbedState.load(from: project.workspace.stateFile)
        let facts = Facts(state: state)
        let (scenario, plan) = try checked(facts, state: state)
        if dryRun { return print(DryRun.text(plan, facts: facts), terminator: "") }
        let records = RecordsDirectory(project.workspace.path("runs"))
        if detach { return try Detach.start(records: records, json: output.isJSON) }
        let early = detachedChild ? Detach.Child.begin() : nil
        let progress = Apply.Progress(verbose: verbosity.verbose, tty: detachedChild ? false : isatty(STDOUT_FILENO) == 1)
        await RunCleanup.cleanLeftBehind(records, state: state, workspace: project.workspace, say: { progress.line($0) })

        let writer = try RunWriter.start(NewRun(
            project: state.project, composeFile: project.workspace.composeFile, scenarioFile: absolute(scenario.file),
            scenarioText: scenario.text, description: nil, vars: plan.vars, detached: detachedChild), in: records)
        try early?.started(writer.id, log: records.consoleLog(writer.id))
        let targets = LiveTargets(state: state, workspace: project.workspace, connector: project.workspace.liveHosts,
                                  connectTimeout: .seconds(connectTimeout))
        let runner = Runner(plan: plan, facts: facts, access: targets,
                            testbed: LiveTestbed(project: project, targets: targets, verbose: verbosity.verbose),
                            record: writer, events: RunDisplay(progress: progress, quiet: output.isJSON))
        let outcome = await StopSignals.cancelling(ignoreHangUp: detachedChild) { await runner.run() }
        await writer.finish(outcome.status, exitCode: Int(outcome.exitCode), error: outcome.error, vars: outcome.vars,
                            cleaned: outcome.cleaned)
        if let e = writer.writeError { stderr("warning: the run record may be incomplete: \(e.description)") }
        if output.isJSON, let detail = try RunRecords(records).detail(writer.id) { try printJSON(detail) }
        if outcome.exitCode != 0 { throw ExitCode(outcome.exitCode) }
    }

    /// The scenario and its plan over the testbed, or every problem (exit 2).
    func checked(_ facts: Facts, state: TestbedState) throws -> (Scenario, RunPlan) {
        let folder = URL(fileURLWithPath: absolute(scenario)).deletingLastPathComponent().standardizedFileURL.path
        guard let data = FileManager.default.contents(atPath: absolute(scenario)) else {
            stderr("error: cannot read the scenario file \(absolute(scenario))")
            throw ExitCode(2)
        }
        let problems = Problems()
        let decoded = ScenarioLoader.decode(text: String(decoding: data, as: UTF8.self), file: scenario, folder: folder, problems: problems)
        var plan: RunPlan?
        if let decoded {
            plan = Expansion.expand(decoded, facts: facts, vars: try parsedVars(), files: FileSystem(), problems: problems)
        }
        let conditions = plan.map { ConditionJobs.problems($0, state: state) } ?? []
        guard let decoded, let plan, problems.isEmpty, conditions.isEmpty else {
            stderr("error: " + ScenarioError(problems.all + conditions).asTBError.description)
            throw ExitCode(2)
        }
        return (decoded, plan)
    }

    func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }
}

/// SIGINT (Ctrl-C, `tbctl runs stop`) and SIGTERM stop the run cleanly: its task is cancelled,
/// which ends running jobs and makes the runner stop every process of the run. A second
/// signal quits at once (the next `tbctl run` or `runs stop` then stops what was left).
enum StopSignals {
    static func cancelling<T: Sendable>(ignoreHangUp: Bool, _ body: @escaping @Sendable () async -> T) async -> T {
        if ignoreHangUp { signal(SIGHUP, SIG_IGN) }
        let task = Task { await body() }
        let count = Locked(0)
        var sources: [any DispatchSourceSignal] = []
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                let n = count.withLock { $0 += 1; return $0 }
                if n > 1 {
                    FileHandle.standardError.write(Data("\nstopped at once: `tbctl runs stop` or the next `tbctl run` stops what is left\n".utf8))
                    exit(130)
                }
                FileHandle.standardError.write(Data("\ninterrupted: stopping the run's jobs on every target (again to quit at once)\n".utf8))
                task.cancel()
            }
            source.resume()
            sources.append(source)
        }
        let value = await task.value
        for s in sources { s.cancel() }
        return value
    }
}
