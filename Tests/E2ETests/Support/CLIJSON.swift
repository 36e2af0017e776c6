import Core
import Foundation
import Testing

/// tbctl's `--format json` documents as a script reads them (docs/cli.md), declared here on
/// their own: a renamed or dropped key fails these tests, as it would break a user's script.
enum CLI {
    struct Error: Decodable {
        var code: String
        var exitStatus: Int32
        var message: String
        var object: String?
        var cause: String?
        var underlying: Underlying?
        var problems: [Error]?
        struct Underlying: Decodable { var code: String; var message: String }
        /// Object, message and cause, for checks on what a person reads.
        var text: String { [object, message, cause].compactMap { $0 }.joined(separator: " ") }
    }

    /// stderr's last line with `--json` when the command failed.
    struct ErrorLine: Decodable { var error: Error }

    struct Action: Decodable, Equatable {
        var kind: String, mark: String, summary: String, host: String
        var guest: String?, service: String?
    }

    struct Plan: Decodable {
        struct Stage: Decodable { var stage: String; var actions: [Action] }
        struct Unreachable: Decodable { var host: String; var error: Error }
        var project: String, changes: Bool, actionCount: Int
        var stages: [Stage], unreachableHosts: [Unreachable], notes: [String]
        var actions: [Action] { stages.flatMap(\.actions) }
    }

    struct HostOutcome: Decodable { var host: String; var result: String; var error: Error? }

    struct Apply: Decodable {
        struct Step: Decodable { var action: Action; var result: String; var error: Error? }
        struct Stage: Decodable { var stage: String; var seconds: Double; var actions: [Step] }
        var command: String, project: String, ok: Bool, changed: Bool, seconds: Double, guests: Int, hosts: Int
        var stages: [Stage], unreachableHosts: [HostOutcome], notes: [String]
        var services: [String: Int]?
        var steps: [Step] { stages.flatMap(\.actions) }
        /// The steps of one kind that ended with `result`.
        func steps(_ kind: String, _ result: String = "ok") -> [Step] { steps.filter { $0.action.kind == kind && $0.result == result } }
    }

    struct Down: Decodable { var command: String, project: String, ok: Bool, purged: Bool, hosts: [HostOutcome] }

    struct Status: Decodable {
        struct Guest: Decodable {
            var guest: String, host: String, state: String, management: String, networks: [String: String], service: String?, setup: String
            var conditions: [String]
        }
        struct Host: Decodable { var host: String; var reachable: Bool; var error: Error? }
        var project: String, guests: [Guest], hosts: [Host]
        func state(_ guest: String) -> String? { guests.first { $0.guest == guest }?.state }
    }

    struct Exec: Decodable {
        struct Guest: Decodable { var guest: String, host: String, ok: Bool, exitStatus: Int32?, stdout: String, stderr: String, seconds: Double, error: Error? }
        var command: String, ok: Bool, guests: [Guest]
        subscript(_ guest: String) -> Guest? { guests.first { $0.guest == guest } }
    }

    struct SnapshotList: Decodable {
        struct Listing: Decodable {
            struct Guest: Decodable { var guest: String; var host: String; var present: Bool?; var sizeBytes: Int64? }
            var name: String; var kind: String; var createdAt: String; var guests: [Guest]; var hosts: [String]; var sizeBytes: Int64?
        }
        var project: String
        var snapshots: [Listing]
    }

    struct SnapshotCreate: Decodable {
        struct Guest: Decodable { var guest: String, host: String, state: String, pausedSeconds: Double?, snapshotSeconds: Double? }
        var name: String, kind: String, createdAt: String, hosts: [String], seconds: Double, guests: [Guest]
    }
    struct SnapshotRestore: Decodable {
        struct Guest: Decodable { var guest: String, host: String, state: String, pausedSeconds: Double?, revertSeconds: Double? }
        var name: String, hosts: [String], seconds: Double, guests: [Guest]
    }
    struct SnapshotDelete: Decodable { var name: String, deletedFrom: [String], remaining: [String] }
}

/// One `tbctl ... --json` run: its exit status, its document (stdout), its error (stderr's
/// last line) and stderr as a whole (progress, for failure messages).
struct JSONRun<T: Decodable>: CustomStringConvertible {
    var status: Int32
    var document: T?
    var error: CLI.Error?
    var result: CommandResult

    init(_ r: CommandResult) {
        result = r
        status = r.status
        document = try? JSONDecoder().decode(T.self, from: Data(r.stdout.utf8))
        let last = r.stderr.split(separator: "\n").last.map(String.init) ?? ""
        error = (try? JSONDecoder().decode(CLI.ErrorLine.self, from: Data(last.utf8)))?.error
    }

    /// The document, required (records the output when it is missing).
    func doc(sourceLocation: SourceLocation = #_sourceLocation) throws -> T {
        try #require(document, "no \(T.self) document: \(self)", sourceLocation: sourceLocation)
    }

    var description: String { "exit \(status)\nstdout: \(result.stdout)\nstderr: \(result.stderr)" }
}

extension TestLab {
    /// `tbctl SUBCOMMAND... -f COMPOSE --json`, its stdout decoded as `T`.
    func json<T: Decodable>(_ type: T.Type, _ args: String...) async throws -> JSONRun<T> {
        JSONRun(try await Subprocess.run([Repo.tbctl] + args + ["-f", compose, "--json"]))
    }

    /// `tbctl exec -f COMPOSE --json ARGS...` (the options before the `--`).
    func execJSON(_ args: String...) async throws -> JSONRun<CLI.Exec> {
        JSONRun(try await Subprocess.run([Repo.tbctl, "exec", "-f", compose, "--json"] + args))
    }
}
