import ArgumentParser
import Core
import Foundation
import Records
import TestbedState
import Workspace

struct RunsStop: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop",
        abstract: "Stop a run as Ctrl-C would; or stop what a killed run left on its targets.",
        discussion: """
            A run that goes on (here or detached) is sent SIGINT: it cancels its jobs, kills \
            its processes on every target and records itself `interrupted`; this waits for that \
            (up to --timeout, then kills it and cleans up itself). For a run whose tbctl died, \
            its processes are found on its targets by the run's tag and killed. Exit 0 when \
            nothing of the run is left running.
            """)

    @OptionGroup var options: ProjectOptions
    @Argument(help: "The run's id (see `tbctl runs`).") var id: Int64
    @Option(help: ArgumentHelp("Seconds to wait for the run to stop itself.", valueName: "seconds")) var timeout = 120

    func run() async throws {
        let records = try RunsCommand.records(options)
        let workspace = Workspace(composeFile: options.file)
        var run = try RunsCommand.run(id, in: records)
        if run.status == .running {
            guard run.ownerHost == ProcessInfo.processInfo.hostName else {
                throw TBError(.unsupported, "run \(id) runs on \(run.ownerHost) (pid \(run.ownerPID)): stop it there")
            }
            print("stopping run \(id) (pid \(run.ownerPID))…")
            kill(pid_t(run.ownerPID), SIGINT)
            if !(await records.waitForOwner(id, timeout: .seconds(timeout))) {
                print("run \(id) did not stop within \(timeout)s: killing it and stopping its processes here")
                kill(pid_t(run.ownerPID), SIGKILL)
                _ = await records.waitForOwner(id, timeout: .seconds(10))
            }
            run = try RunsCommand.run(id, in: records)
        }
        if run.ownerDied || !run.cleaned {
            let state = try TestbedState.load(from: workspace.stateFile)
            let ok = await RunCleanup.clean(run, records, state: state, workspace: workspace, say: { print($0) })
            if !ok { throw ExitCode(1) }
            return
        }
        print("run \(id) \(run.status == .interrupted ? "was stopped" : "had already ended") (\(run.status.rawValue)); none of its processes is left")
    }
}
