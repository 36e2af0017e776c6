import Apply
import ArgumentParser
import Core
import Foundation
import Project
import TestbedState
import Workspace

struct Exec: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a command on guests, in parallel.",
        usage: "tbctl exec (<guest> ... | --service <service> | --all) [<options>] -- <command> ...",
        discussion: """
            Runs the command on every selected guest at once, over SSH (through the guest's host \
            for remote hosts), with the guest's `env` exported. With one guest its output is \
            passed through as is; with several each line is prefixed `guest | `. One argument \
            after `--` is a shell command line ('echo $ROLE | wc -c'); several are a program and \
            its arguments, passed on exactly (sh -c 'exit 3'). stdin is not forwarded (use \
            `tbctl ssh GUEST -- CMD`).

            Exit status: 0 when the command exited 0 on every guest; 1 otherwise, with an \
            error on stderr naming each guest that failed (its exit status, or why it could not \
            be reached; 3 when every failure was an unreachable host); 2 for bad usage (unknown \
            guest or service).

            With --format json nothing is streamed: stdout gets one document with, per guest, \
            its exit status, stdout, stderr (as text) and duration (docs/cli.md).

            Examples:
              tbctl exec --all -- hostname
              tbctl exec web-0 web-1 -- 'echo $ROLE'
              tbctl exec --service web -- sh -c 'ip -br addr'
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
        let selected = try GuestSelection.select(state, guests: guests, services: service, all: all,
                                                 composeFile: project.workspace.composeFile)
        guard !selected.isEmpty else { throw TBError(.notFound, "testbed \(state.project) has no guests") }
        let exec = GuestExec(state: state, workspace: project.workspace, connector: project.workspace.liveHosts,
                             connectTimeout: .seconds(connectTimeout))
        let line = GuestCommand.commandLine(command)
        let sink = output.isJSON ? OutputSink.captured(CapturedOutput()) : .printed(GuestOutputPrinter(prefixed: selected.count > 1))
        let outcomes = Locked([GuestExec.Outcome]())
        try await Interrupt.cancellingOnSignal {
            let r = await exec.run(line, on: selected) { guest, stream, bytes in sink.write(guest.name, stream, bytes) }
            outcomes.withLock { $0 = r }
        }
        let results = outcomes.current
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
        if selected.count == 1 { throw problems[0] }
        throw TBError(.failed, "\(failed.count) of \(results.count) guests failed", problems: problems)
    }
}
