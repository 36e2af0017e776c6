import Foundation
import Core
import YAML

/// The kinds of job a scenario can hold, by their key. Adding a kind is one entry here, a case of JobAction (or of
/// TestbedOperation for operations on the whole testbed) and its execution in the runner.
struct JobKind: Sendable {
    let key: String
    /// The job options (besides `name` and `ignore_errors`) this kind takes.
    let options: [String]
    let decode: @Sendable (Node, Path, [String: Pair], Reader) -> JobAction?
}

enum JobKinds {
    /// Every option some kind takes; each kind lists its own.
    static let options = ["background", "with_items", "concurrent", "register", "metrics", "timeout"]

    static let all: [JobKind] = [
        JobKind(key: "run", options: options, decode: run),
        JobKind(key: "copy", options: ["with_items", "concurrent"], decode: copy),
        JobKind(key: "wait", options: ["with_items", "concurrent"], decode: wait),
        JobKind(key: "sleep", options: [], decode: { n, p, _, r in r.duration(n, p).map(JobAction.sleep) }),
        JobKind(key: "snapshot", options: [], decode: { n, p, _, r in r.template(n, p).map { .testbed(.snapshot($0)) } }),
        JobKind(key: "restore", options: [], decode: { n, p, _, r in r.template(n, p).map { .testbed(.restore($0)) } }),
        JobKind(key: "scale", options: [], decode: scale),
    ] + ConditionKinds.all

    static func run(_ node: Node, _ path: Path, _ job: [String: Pair], _ r: Reader) -> JobAction? {
        let background = job["background"].flatMap { r.bool($0.value, path.key("background")) } ?? false
        guard let command = r.template(node, path) else { return nil }
        if command.literalText?.trimmingCharacters(in: .whitespaces).isEmpty == true {
            r.error(node, path, "the command is empty")
            return nil
        }
        return .run(command: command, background: background)
    }

    static func copy(_ node: Node, _ path: Path, _ job: [String: Pair], _ r: Reader) -> JobAction? {
        guard let f = r.fields(node, path, allowed: ["src", "dest", "mode"]) else { return nil }
        let src = f["src"].flatMap { r.template($0.value, path.key("src")) }
        let dest = f["dest"].flatMap { r.template($0.value, path.key("dest")) }
        let mode = f["mode"].flatMap { r.mode($0.value, path.key("mode")) }
        for key in ["src", "dest"] where f[key] == nil { r.problems.add(node.mark, path, "missing required key `\(key)`") }
        if let d = dest?.literalText, !d.hasPrefix("/") {
            r.error(f["dest"]!.value, path.key("dest"), "`dest` must be an absolute path on the target, got `\(d)`")
        }
        guard let src, let dest else { return nil }
        return .copy(source: src, destination: dest, mode: mode)
    }

    static func wait(_ node: Node, _ path: Path, _ job: [String: Pair], _ r: Reader) -> JobAction? {
        guard let f = r.fields(node, path, allowed: ["port", "address", "command", "log", "job", "timeout", "interval"]) else { return nil }
        let given = ["port", "command", "log"].filter { f[$0] != nil }
        guard given.count == 1 else {
            if given.isEmpty {
                r.problems.add(node.mark, path, "a wait needs one of `port`, `command` or `log` (with `job`)")
            } else {
                r.error(f[given[1]]!.key, path.key(given[1]), "a wait waits for one thing: `\(given[0])` and `\(given[1])` are both given")
            }
            return nil
        }
        let timeout = f["timeout"].flatMap { r.duration($0.value, path.key("timeout")) } ?? .seconds(60)
        let interval = f["interval"].flatMap { r.duration($0.value, path.key("interval")) } ?? .milliseconds(500)
        for (key, only) in [("address", "port"), ("job", "log")] where f[key] != nil && f[only] == nil {
            r.error(f[key]!.key, path.key(key), "`\(key)` goes with `\(only)`")
        }
        if f["interval"] != nil && f["log"] != nil {
            r.error(f["interval"]!.key, path.key("interval"), "`interval` is how often a port or command is tried; a log wait needs none")
        }
        let condition: Wait.Condition?
        switch given[0] {
        case "port":
            condition = portCondition(f, path, r)
        case "command":
            condition = r.template(f["command"]!.value, path.key("command")).map(Wait.Condition.command)
        default:
            condition = logCondition(f, node: node, path, r)
        }
        return condition.map { .wait(Wait(condition: $0, timeout: timeout, interval: interval)) }
    }

    static func portCondition(_ f: [String: Pair], _ path: Path, _ r: Reader) -> Wait.Condition? {
        let node = f["port"]!.value
        guard let port = r.template(node, path.key("port")) else { return nil }
        if let text = port.literalText, Int(text).map({ (1...65535).contains($0) }) != true {
            r.error(node, path.key("port"), "expected a port number from 1 to 65535, got \(Reader.describe(node))")
            return nil
        }
        let address = f["address"].flatMap { r.template($0.value, path.key("address")) }
        return .port(port, address: address)
    }

    static func logCondition(_ f: [String: Pair], node: Node, _ path: Path, _ r: Reader) -> Wait.Condition? {
        let logNode = f["log"]!.value
        guard let pattern = r.text(logNode, path.key("log")) else { return nil }
        guard Patterns.compile(pattern, at: logNode, path.key("log"), r) != nil else { return nil }
        guard let jobPair = f["job"] else {
            r.problems.add(node.mark, path, "a wait for a log line names the background job whose output to watch: `job: NAME`")
            return nil
        }
        guard let job = r.name(jobPair.value, path.key("job")) else { return nil }
        return .log(pattern: Located(pattern, logNode.mark), job: job)
    }

    static func scale(_ node: Node, _ path: Path, _ job: [String: Pair], _ r: Reader) -> JobAction? {
        guard let f = r.fields(node, path, allowed: ["service", "replicas", "batch", "interval"]) else { return nil }
        let service = f["service"].flatMap { r.name($0.value, path.key("service")) }
        let replicas = f["replicas"].flatMap { r.int($0.value, path.key("replicas"), min: 0) }
        let batch = f["batch"].flatMap { r.int($0.value, path.key("batch"), min: 1) }
        let interval = f["interval"].flatMap { r.duration($0.value, path.key("interval")) } ?? .zero
        for key in ["service", "replicas"] where f[key] == nil { r.problems.add(node.mark, path, "missing required key `\(key)`") }
        if f["interval"] != nil && f["batch"] == nil {
            r.error(f["interval"]!.key, path.key("interval"), "`interval` is the pause between batches: give `batch` too")
        }
        guard let service, let replicas else { return nil }
        return .testbed(.scale(Scale(service: service, replicas: replicas, batch: batch, interval: interval)))
    }
}
