import Apply
import Core
import ArgumentParser
import Project
import Workspace

struct Up: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make the hosts match the testbed (idempotent: run again to converge).",
        discussion: """
            Recompiles testbed.yaml when it changed, then per stage, concurrently: storage pools, \
            management networks and OVS bridges, base images, golden images, linked clones and \
            seeds, domains, then waits for SSH on each guest and runs its setup script once. \
            Ctrl-C stops cleanly; the next `up` finishes the job.

            A running guest whose definition changed (memory, CPUs, NICs) is redefined but keeps \
            running on the old definition until it next powers off; `up` says so. With \
            --restart-changed such guests are shut down (`poweroff` over SSH; when that fails the \
            ACPI button, then a forced power-off) and \
            started again; their disks, and so their setup, stay.

            With --format json, progress goes to stderr and stdout gets one summary: every \
            stage's actions with their result (ok, failed, skipped) and error, unreachable \
            hosts and notes, also when `up` fails (exit 1, or 3 when only hosts were unreachable).

            Every host keeps a record of the testbed (owner, compose file, hosts, expiry) for \
            `tbctl ls`, `reap`, `extend` and `down --project` (docs/fleet.md). --local brings \
            every guest up on this machine with the same names and networks; the remote hosts' \
            share of the testbed is removed, and a plain `up` moves it back.
            """)

    @OptionGroup var options: ProjectOptions
    @OptionGroup var verbosity: VerboseOption
    @OptionGroup var output: OutputOptions
    @Flag(help: "Run every guest's setup script again, even where it already ran.") var rerunSetup = false
    @Flag(help: "Restart the running guests whose definition changed, so that they run on the new one.")
    var restartChanged = false
    @Option(help: ArgumentHelp("Time to live: `tbctl reap` may remove the testbed this long from now (30m, 2h, 1d; overrides ttl:).",
                               valueName: "duration"))
    var ttl: String?
    @Flag(help: "Rehearse locally: every guest on this machine, whatever hosts: says (plain `up` goes back to the hosts).")
    var local = false

    func validate() throws {
        if let ttl, case .failure(let e) = Lifetime.seconds(ttl) { throw ValidationError("--ttl \(ttl): \(e.message)") }
    }

    func run() async throws {
        let project = Project(composeFile: options.file)
        let lock = try project.lock(for: "up")
        defer { withExtendedLifetime(lock) {} }
        let state = try project.currentState(local: local)
        var provisioner = Provisioner(state: state, workspace: project.workspace, progress: output.progress(verbose: verbosity.verbose),
                                      connector: project.workspace.liveHosts)
        provisioner.rerunSetup = rerunSetup
        provisioner.restartChanged = restartChanged
        provisioner.ttl = ttl.flatMap { try? Lifetime.seconds($0).get() }
        let report = ApplyReport()
        provisioner.report = report
        try await output.reporting({
            try await Interrupt.cancellingOnSignal { [provisioner] in try await provisioner.upLocked() }
        }, output.upDocument("up", state, report))
    }
}
