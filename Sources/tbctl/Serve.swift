import Apply
import ArgumentParser
import Core
import Dispatch
import Foundation
import Hosts
import Metrics
import Server
import TestbedState
import Workspace

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the testbed: /metrics for Prometheus, a JSON API and a live page for people.",
        discussion: """
            Samples every host's libvirt every --interval seconds (one bulk statistics call per \
            host) and serves, from this one process:
              /               a page: hosts, guests and their states, addresses, services, \
            networks and tunnels, snapshots, runs with their logs, live CPU and traffic charts
              /metrics        the text of `tbctl metrics`, for Prometheus to scrape
              /api/v1/...     JSON: testbed, guests, snapshots, charts, live events \
            (docs/openapi.yaml)

            The page needs nothing from the Internet: it is compiled into tbctl.

            Listening on anything but loopback (127.0.0.1, ::1) needs --token: every request \
            but the page's own files must then carry `Authorization: Bearer TOKEN`; the page \
            asks for it once (or take http://HOST:PORT/#token=TOKEN) and keeps it.

            With --reap it also removes expired testbeds on a timer, as `tbctl reap` does \
            (docs/fleet.md).

            With --verbose every request is logged on stderr (method, path, status, time).

            Examples:
              tbctl serve                                   http://127.0.0.1:8080/
              tbctl serve --listen 0.0.0.0:9100 --token "$(cat token)"
            Stop it with Ctrl-C.
            """)

    @OptionGroup var options: ProjectOptions
    /// -v: one line per request on stderr.
    @OptionGroup var verbosity: VerboseOption
    @Option(help: ArgumentHelp("Address and port to listen on (port 0: any free port, printed).", valueName: "host:port"))
    var listen = "127.0.0.1:8080"
    @Option(help: "Require this bearer token on the API and /metrics (needed to listen beyond loopback).")
    var token: String?
    @Flag(help: "Allow starting and cancelling runs through the API (read-only without it).")
    var allowWrite = false
    @Option(help: "Seconds between two samples of every host (1-60).")
    var interval = 2
    @Flag(help: "Also remove expired testbeds (those `tbctl reap` removes) every --reap-interval seconds.")
    var reap = false
    @Option(help: "Seconds between two reaps with --reap (at least 10).")
    var reapInterval = 60
    @OptionGroup var hostOptions: FleetHostOptions

    func validate() throws {
        let address: ListenAddress
        do { address = try ListenAddress(parsing: listen) } catch let e as TBError { throw ValidationError(e.message) }
        if !address.isLoopback && (token ?? "").isEmpty {
            throw ValidationError("listening on \(address) lets other machines in: give --token (or listen on 127.0.0.1)")
        }
        guard (1...60).contains(interval) else { throw ValidationError("--interval must be 1 to 60 seconds") }
        guard reapInterval >= 10 else { throw ValidationError("--reap-interval must be at least 10 seconds") }
    }

    func run() async throws {
        // Signals first: a SIGTERM while the server starts stops it too (exit 0).
        let stopping = Locked<(requested: Bool, task: Task<Void, any Error>?)>((false, nil))
        let stopRequested = ServeSignals.install([SIGINT, SIGTERM])
        Task {
            await stopRequested()
            stopping.withLock { s in s.requested = true; s.task?.cancel() }
        }
        let facts = WorkspaceFacts(workspace: Workspace(composeFile: options.file))
        let state = try facts.state()
        let source = HostStatsSource(connector: facts.workspace.liveHosts)
        // A host slower than 5 s is shown down rather than holding every sample up.
        let sampler = Sampler(scraper: Scraper(source: source, timeout: .seconds(5)), source: facts, interval: .seconds(interval))
        let log: (@Sendable (String) -> Void)? = verbosity.verbose ? { @Sendable line in FileHandle.standardError.write(Data((line + "\n").utf8)) } : nil
        let server = try WatchServer(options: .init(listen: try ListenAddress(parsing: listen), token: token, allowWrite: allowWrite,
                                                    requestLog: log),
                                     sampler: sampler, testbed: facts, runs: RecordsRunSource(workspace: facts.workspace))
        let guests = state.userGuests.count, hosts = state.hosts.count
        let task = Task {
            try await server.run { address in
                // Unbuffered: a script (or test) that started us reads the address at once.
                let line = "tbctl serve: http://\(address)/ (testbed \(state.project): \(guests) guest\(guests == 1 ? "" : "s") on \(hosts) host\(hosts == 1 ? "" : "s"))\n"
                FileHandle.standardOutput.write(Data(line.utf8))
            }
        }
        let reaper = reap ? Task { await reapForever() } : nil
        defer { reaper?.cancel() }
        if stopping.withLock({ s in s.task = task; return s.requested }) { task.cancel() }
        do { try await task.value } catch {
            // Stopping closes the listener, which FlyingFox may report as a socket error.
            if !stopping.withLock({ $0.requested }) { throw error }
        }
        await source.closeAll()
    }
}

extension Serve {
    /// `--reap`: `tbctl reap` every --reap-interval seconds, its lines on stderr. A failed
    /// pass is reported and the next one tries again.
    func reapForever() async {
        let progress = Apply.Progress(verbose: false, toStandardError: true)
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: .seconds(reapInterval))
                let doc = try await Reap.reap(hostOptions, compose: options.file, dryRun: false, purge: false, progress: progress)
                for e in doc.failed { progress.line("reap: \(e.message)") }
            } catch {
                if Task.isCancelled { return }
                progress.line("reap: \(TBError.describe(error))")
            }
        }
    }
}

/// Ctrl-C or SIGTERM stops serving: the listener closes and the command exits 0. The handler
/// is installed with sigaction at once and only writes a byte to a pipe (async-signal-safe);
/// a thread of the blocking pool reads it. (A DispatchSource needs the signal ignored first and
/// installs its handler later, on its own thread: a SIGTERM in between was lost.)
enum ServeSignals {
    nonisolated(unsafe) private static var writeEnd: Int32 = -1

    /// Returns a function that returns once one of `signals` arrived.
    static func install(_ signals: [Int32]) -> @Sendable () async -> Void {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return { await withUnsafeContinuation { (_: UnsafeContinuation<Void, Never>) in } } }
        writeEnd = fds[1]
        for sig in signals {
            signal(sig) { _ in
                var byte: UInt8 = 1
                _ = write(ServeSignals.writeEnd, &byte, 1)
            }
        }
        let readEnd = fds[0]
        return { await blocking { var byte: UInt8 = 0; _ = read(readEnd, &byte, 1) } }
    }
}
