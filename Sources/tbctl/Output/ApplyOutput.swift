import Apply
import Core
import Foundation
import TestbedState

/// The final summary of `up`, `scale` and `down` with `--format json` (docs/cli.md): printed
/// on stdout whether the command succeeded or not (its error then follows on stderr), so a
/// script sees which actions, hosts and guests failed as data.
struct ApplyDocument: Encodable {
    var command: String
    var project: String
    var ok: Bool
    /// false when the testbed already matched (`nothing to do`).
    var changed: Bool
    var seconds: Double
    var guests: Int
    var hosts: Int
    var stages: [ApplyReport.StageRun]
    var unreachableHosts: [ApplyReport.HostOutcome]
    var notes: [String]
    /// `scale`: each service's number of clones now.
    var services: [String: Int]?
}

/// `down --format json`.
struct DownDocument: Encodable {
    var command = "down"
    var project: String
    var ok: Bool
    var purged: Bool
    var seconds: Double
    /// Each host: ok, failed or unreachable (with its error).
    var hosts: [ApplyReport.HostOutcome]
}

extension OutputOptions {
    /// Progress lines: on stdout for people, on stderr when stdout carries the JSON document.
    func progress(verbose: Bool) -> Apply.Progress { Progress(verbose: verbose, toStandardError: isJSON) }

    /// Runs `body`; with json, prints the document `make` builds from whether it failed,
    /// also when it did, then passes the error on.
    func reporting<T: Encodable>(_ body: () async throws -> Void, _ make: (_ ok: Bool, _ seconds: Double) -> T) async throws {
        let began = ContinuousClock.now
        func seconds() -> Double { let d = ContinuousClock.now - began; return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
        do {
            try await body()
        } catch {
            if isJSON { try? printJSON(make(false, seconds())) }
            throw error
        }
        if isJSON { try printJSON(make(true, seconds())) }
    }

    func upDocument(_ command: String, _ state: TestbedState, _ report: ApplyReport, services: [String: Int]? = nil)
        -> (Bool, Double) -> ApplyDocument {
        { ok, seconds in
            ApplyDocument(command: command, project: state.project, ok: ok,
                          changed: report.stages.contains { $0.actions.contains { $0.result != .skipped } }, seconds: seconds,
                          guests: state.userGuests.count, hosts: state.hosts.count, stages: report.stages,
                          unreachableHosts: report.hosts, notes: report.notes, services: services)
        }
    }
}
