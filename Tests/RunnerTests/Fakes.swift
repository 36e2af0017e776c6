import Core
import Foundation
import Records
import Scenario
@testable import Runner

/// What a fake command does.
enum Behaviour: Sendable {
    /// Prints `output`, then exits.
    case exit(Int32, output: String = "", after: Duration = .zero)
    /// Prints `output` (after `after`), then runs until killed (exit 143) or cancelled.
    case untilKilled(output: String = "", after: Duration = .zero)
    /// Exits once `condition` holds (checked every 10 ms): an order between fake commands
    /// that no machine load can change.
    case when(@Sendable () -> Bool, then: Int32)
}

/// One command the fake ran.
struct Call: Sendable {
    var target: String
    var command: String
    var started: ContinuousClock.Instant
    var ended: ContinuousClock.Instant?
    var killed = false
}

/// Targets that run nothing: each command's behaviour comes from the test's `script`, and
/// the run's kill commands end the fake processes carrying the tag, as on a real target.
final class FakeTargets: TargetAccess, @unchecked Sendable {
    private struct Process { var tags: [String]; var call: Int; var stop: CheckedContinuation<Void, Never>? ; var killed = false }
    private let lock = NSLock()
    private var processes: [Int: Process] = [:]
    private var nextPID = 0
    private(set) var calls: [Call] = []
    private(set) var kills: [(target: String, tag: String)] = []
    private(set) var uploads: [(target: String, file: String, path: String)] = []
    let script: @Sendable (String, String) -> Behaviour
    /// How many tries each target's port needs before it answers.
    var portTries = 0
    private var tries: [String: Int] = [:]
    private(set) var closed = false
    let unreachable: Set<String>

    init(unreachable: Set<String> = [], script: @escaping @Sendable (_ target: String, _ command: String) -> Behaviour) {
        self.script = script
        self.unreachable = unreachable
    }

    func withLock<T>(_ body: () -> T) -> T { lock.lock(); defer { lock.unlock() }; return body() }

    func session(for target: Target) async throws -> any TargetSession {
        if unreachable.contains(target.name) { throw TBError(.ssh, "cannot reach \(target.name)") }
        return Session(fake: self, target: target.name)
    }

    func prepare(_ commandLine: String, for target: Target) -> String { commandLine }
    func closeAll() async { withLock { closed = true } }

    var commands: [String] { withLock { calls.map(\.command) } }
    func commands(on target: String) -> [String] { withLock { calls.filter { $0.target == target }.map(\.command) } }
    /// Fake processes not yet ended.
    var alive: Int { withLock { processes.count } }

    struct Session: TargetSession {
        let fake: FakeTargets
        let target: String

        func exec(_ line: String, output: @escaping @Sendable (LogStream, [UInt8]) -> Void) async throws -> Int32 {
            if line.hasPrefix("n='") {   // ProcessTags.killCommand
                fake.kill(tag: Shell.killedTag(line), on: target)
                return 0
            }
            return try await fake.run(line, on: target, output: output)
        }

        func upload(file: String, to path: String, mode: Int?) async throws {
            fake.withLock { fake.uploads.append((target, file, path)) }
        }

        func canConnect(to address: String, port: Int, timeout: Duration) async -> Bool {
            fake.withLock {
                fake.tries[target, default: 0] += 1
                return fake.tries[target]! > fake.portTries
            }
        }
    }

    private func run(_ line: String, on target: String, output: @escaping @Sendable (LogStream, [UInt8]) -> Void) async throws -> Int32 {
        let command = Shell.jobCommand(line) ?? line
        let tags = Shell.tags(line)
        let behaviour = script(target, command)
        let (pid, call) = withLock { () -> (Int, Int) in
            calls.append(Call(target: target, command: command, started: .now))
            nextPID += 1
            processes[nextPID] = Process(tags: tags, call: calls.count - 1)
            return (nextPID, calls.count - 1)
        }
        defer { withLock { processes[pid] = nil; calls[call].ended = .now } }
        switch behaviour {
        case .exit(let status, let text, let after):
            if after > .zero { try await Task.sleep(for: after) }
            if !text.isEmpty { output(.stdout, Array(text.utf8)) }
            return status
        case .when(let condition, let status):
            while !condition() { try await Task.sleep(for: .milliseconds(10)) }
            return status
        case .untilKilled(let text, let after):
            if after > .zero { try await Task.sleep(for: after) }
            if !text.isEmpty { output(.stdout, Array(text.utf8)) }
            // Ends when killed; a cancelled task stops waiting but the "process" lives on, as
            // a real one would after its channel closed.
            await withTaskCancellationHandler {
                await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                    let now = withLock { () -> Bool in
                        if processes[pid]?.killed == true || Task.isCancelled { return true }
                        processes[pid]?.stop = c
                        return false
                    }
                    if now { c.resume() }
                }
            } onCancel: { [self] in
                let c = withLock { () -> CheckedContinuation<Void, Never>? in
                    defer { processes[pid]?.stop = nil }
                    return processes[pid]?.stop
                }
                c?.resume()
            }
            try Task.checkCancellation()
            withLock { calls[call].killed = true }
            return 143
        }
    }

    private func kill(tag: String, on target: String) {
        let stops = withLock { () -> [CheckedContinuation<Void, Never>] in
            kills.append((target, tag))
            var out: [CheckedContinuation<Void, Never>] = []
            for (pid, p) in processes where calls[p.call].target == target && p.tags.contains(tag) {
                processes[pid]?.killed = true
                if let s = p.stop { out.append(s); processes[pid]?.stop = nil }
            }
            return out
        }
        for s in stops { s.resume() }
    }
}

/// Reads back what ProcessTags.wrap and killCommand wrote.
enum Shell {
    /// The user's command inside a wrapped line (after the tags' export).
    static func jobCommand(_ line: String) -> String? {
        guard let r = line.range(of: "export TBCTL_RUN TBCTL_JOB; ") else { return nil }
        return String(line[r.upperBound...])
    }

    /// `NAME=value` from a kill command's `n='NAME'; v='value'`.
    static func killedTag(_ line: String) -> String {
        let words = line.split(separator: "'", omittingEmptySubsequences: false)
        return words.count > 3 ? "\(words[1])=\(words[3])" : ""
    }

    /// `TBCTL_RUN=...` and `TBCTL_JOB=...` of a wrapped line.
    static func tags(_ line: String) -> [String] {
        var out: [String] = []
        for name in ["TBCTL_RUN", "TBCTL_JOB"] {
            guard let r = line.range(of: name + "=") else { continue }
            let rest = line[r.upperBound...]
            let value = rest.first == "'" ? unquote(rest)?.word : String(rest.prefix { $0 != " " && $0 != ";" })
            if let value { out.append("\(name)=\(value)") }
        }
        return out
    }

    /// Parses `'...'` (with `'\''` inside) at the start of `s`.
    static func unquote(_ s: Substring) -> (word: String, rest: Substring)? {
        var word = ""
        var rest = s
        while rest.first == "'" {
            rest = rest.dropFirst()
            guard let end = rest.firstIndex(of: "'") else { return nil }
            word += rest[..<end]
            rest = rest[rest.index(after: end)...]
            if rest.hasPrefix("\\''") { word += "'"; rest = rest.dropFirst(2) } else { break }
        }
        return (word, rest)
    }
}

/// A testbed whose operations only record that they were asked for; `scale` changes the facts.
final class FakeTestbed: TestbedOperations, @unchecked Sendable {
    private let current: Locked<Facts>
    private let ops = Locked<[String]>([])
    var operations: [String] { ops.current }
    var failScale = false

    init(_ facts: Facts) { current = Locked(facts) }

    func snapshot(_ name: String, log: @escaping @Sendable (String) -> Void) async throws { ops.withLock { $0.append("snapshot \(name)") }; log("snapshot \(name) taken") }
    func restore(_ name: String, log: @escaping @Sendable (String) -> Void) async throws { ops.withLock { $0.append("restore \(name)") } }
    func scale(_ service: String, to replicas: Int, log: @escaping @Sendable (String) -> Void) async throws {
        if failScale { throw TBError(.libvirt, "no room for more clones") }
        ops.withLock { $0.append("scale \(service) \(replicas)") }
        current.withLock { f in
            f = f.scaled(service, to: replicas)
            for i in f.guests.indices where f.guests[i].host == nil {
                f.guests[i].host = "main"
                f.guests[i].management = "10.100.0.\(50 + i)"
                for k in f.guests[i].addresses.keys { f.guests[i].addresses[k] = "10.9.0.\(50 + i)" }
            }
        }
    }
    func change(_ change: NetworkChange<String>, log: @escaping @Sendable (String) -> Void) async throws {
        ops.withLock { $0.append(change.description) }
        log(change.description)
    }
    func facts() async throws -> Facts { current.current }
}

/// What the screen would show.
final class Screen: RunEvents, Sendable {
    private let shown = Locked<[String]>([])
    private let counts = Locked<[StageCounts]>([])
    var lines: [String] { shown.current }
    var progress: [StageCounts] { counts.current }
    func line(_ text: String) { shown.withLock { $0.append(text) } }
    func stageProgress(_ index: Int, _ c: StageCounts) { counts.withLock { $0.append(c) } }
    func jobEnded(target: String, job: String, item: String?, status: JobStatus, message: String?) {
        line("\(target) \(job)\(item.map { " [\($0)]" } ?? ""): \(status.rawValue)\(message.map { " (\($0))" } ?? "")")
    }
}
