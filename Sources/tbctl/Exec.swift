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
import Workspace

struct Exec: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a command on guests, in parallel.",
        usage: "tbctl exec (<guest> ... | --service <service> | --all | --host <host>) [<options>] -- <command> ...",
        discussion: """
            Runs the command on every selected guest at once, over SSH (through the guest's host \
            for remote hosts), with the guest's `env` exported. With one guest its output is \
            passed through as is; with several each line is prefixed `guest | `. One argument \
            after `--` is a shell command line ('echo $ROLE | wc -c'); several are a program and \
            its arguments, passed on exactly (sh -c 'exit 3'). stdin is not forwarded (use \
            `tbctl ssh GUEST -- CMD`).

            --host runs the command on a testbed host itself: the master (where tbctl runs) \
            in a local shell, a remote host over its SSH login from the compose file. Its \
            lines are prefixed `host NAME | `.

            Exit status: 0 when the command exited 0 on every guest and host; 1 otherwise, with \
            an error on stderr naming each that failed (its exit status, or why it could not be \
            reached; 3 when every failure was an unreachable host); 2 for bad usage (unknown \
            guest, service or host).

            With --format json nothing is streamed: stdout gets one document with, per guest \
            (and host), its exit status, stdout, stderr (as text) and duration (docs/cli.md).

            Examples:
              tbctl exec --all -- hostname
              tbctl exec web-0 web-1 -- 'echo $ROLE'
              tbctl exec --service web -- sh -c 'ip -br addr'
              tbctl exec --host rack2 -- ovs-vsctl show
            """)

    @OptionGroup var options: ProjectOptions
    @OptionGroup var verbosity: VerboseOption
    @OptionGroup var output: OutputOptions
    /// The guests, then (after `--`) the command. ArgumentParser allows no positional after an
    /// array of positionals, and puts the words after `--` in the array: `split` separates them.
    @Argument(help: ArgumentHelp("Guests to run on (any number), then `--` and the command.", valueName: "guest"))
    var words: [String] = []
    @Option(name: .long, help: "Run on every guest of this service (repeatable).") var service: [String] = []
    @Flag(help: "Run on every guest.") var all = false
    @Option(name: .customLong("host"), help: ArgumentHelp("Run on this testbed host itself (repeatable).", valueName: "host"))
    var hosts: [String] = []
    @Option(help: ArgumentHelp("Seconds to wait for each guest's SSH (a booting guest is waited for).", valueName: "seconds"))
    var connectTimeout = 30

    var guests: [String] { Self.split(words, argv: CommandLine.arguments).guests }
    var command: [String] { Self.split(words, argv: CommandLine.arguments).command }

    /// The words after the first `--` of the command line are the command (they end `words`).
    static func split(_ words: [String], argv: [String]) -> (guests: [String], command: [String]) {
        guard let dd = argv.firstIndex(of: "--") else { return (words, []) }
        let tail = Array(argv[(dd + 1)...])
        guard words.count >= tail.count, Array(words.suffix(tail.count)) == tail else { return (words, []) }
        return (Array(words.dropLast(tail.count)), tail)
    }

    /// The hosts named with --host, checked against the testbed.
    static func hosts(_ names: [String], in state: TestbedState) throws -> [String] {
        for n in names where state.host(named: n) == nil {
            throw TBError(.invalidInput, "no host `\(n)` in testbed \(state.project)" + Suggestions.hint(for: n, among: state.hosts.map(\.name))
                          + "\n  hosts: " + state.hosts.map(\.name).joined(separator: ", "))
        }
        return names.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
    }

    func validate() throws {
        if command.isEmpty { throw ValidationError("give the command after `--`, e.g. tbctl exec --all -- hostname") }
        if connectTimeout < 1 { throw ValidationError("--connect-timeout must be at least 1 second") }
    }

    /// `tbctl exec --format json` (docs/cli.md).
    struct Document: Encodable {
        struct Guest: Encodable {
            var guest: String, host: String
            var ok: Bool
            /// The command's exit status; absent when it did not run or finish (see `error`).
            var exitStatus: Int32?
            var stdout: String, stderr: String
            var seconds: Double
            var error: TBError?
        }
        var command: String
        var ok: Bool
        var guests: [Guest]
    }

    func run() async throws {
        let project = Project(composeFile: options.file)
        let state = try TestbedState.load(from: project.workspace.stateFile)
        let wantsGuests = !guests.isEmpty || !service.isEmpty || all || hosts.isEmpty
        let selected = wantsGuests ? try usage { try GuestSelection.select(state, guests: guests, services: service, all: all,
                                                                           composeFile: project.workspace.composeFile) } : []
        try GuestSelection.requireLogin(selected, for: "exec")
        let hostNames = try usage { try Self.hosts(hosts, in: state) }
        guard !selected.isEmpty || !hostNames.isEmpty else { throw TBError(.notFound, "testbed \(state.project) has no guests") }
        let exec = GuestExec(state: state, workspace: project.workspace, connector: project.workspace.liveHosts,
                             connectTimeout: .seconds(connectTimeout))
        let line = GuestCommand.commandLine(command)
        let sink = output.isJSON ? OutputSink.captured(CapturedOutput()) : .printed(GuestOutputPrinter(prefixed: selected.count + hostNames.count > 1))
        let outcomes = Locked([GuestExec.Outcome]())
        let onHosts = Locked([GuestExec.Outcome]())
        try await Interrupt.cancellingOnSignal {
            async let h = HostExec(state: state, workspace: project.workspace, connector: project.workspace.liveHosts).run(line, on: hostNames) { name, stream, bytes in
                sink.write("host \(name)", stream, bytes)
            }
            let r = selected.isEmpty ? [] : await exec.run(line, on: selected) { guest, stream, bytes in sink.write(guest.name, stream, bytes) }
            outcomes.withLock { $0 = r }
            let hr = await h
            onHosts.withLock { $0 = hr }
        }
        let results = onHosts.current + outcomes.current
        if case .printed(let printer) = sink { for o in results { printer.finish(o.guest) } }
        if verbosity.verbose {
            for o in results { stderr(String(format: "%@: %@ (%.1fs)", o.guest, o.summary, o.seconds)) }
        }
        if case .captured(let captured) = sink {
            try printJSON(Document(command: line, ok: results.allSatisfy(\.succeeded), guests: results.map { o in
                .init(guest: o.guest, host: state.guest(named: o.guest)?.host ?? "", ok: o.succeeded, exitStatus: o.status,
                      stdout: captured.text(o.guest, .stdout), stderr: captured.text(o.guest, .stderr), seconds: o.seconds,
                      error: o.error)
            }))
        }
        let failed = results.filter { !$0.succeeded }
        guard !failed.isEmpty else { return }
        let problems = failed.map { o in
            (o.error ?? TBError(.command, o.summary)).about(o.guest)
        }
        if results.count == 1 { throw problems[0] }
        throw TBError(.failed, "\(failed.count) of \(results.count) guests failed", problems: problems)
    }
}
