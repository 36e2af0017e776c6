import Core
import Foundation
import Metrics
import Server
import TestbedState
import Testing

/// A `WatchServer` in this process over fakes, on a free port.
struct Served {
    let base: String
    let task: Task<Void, any Error>
    let stats: GrowingStats

    static func start(listen: String = "127.0.0.1:0", token: String? = nil, allowWrite: Bool = false,
                      runs: (any RunSource)? = nil) async throws -> Served {
        let state = try labState()
        let stats = GrowingStats(state)
        let sampler = Sampler(scraper: Scraper(source: stats), source: FixedTestbed(fixed: state), interval: .seconds(1))
        let server = try WatchServer(options: .init(listen: try ListenAddress(parsing: listen), token: token, allowWrite: allowWrite),
                                     sampler: sampler, testbed: FixedTestbed(fixed: state), runs: runs)
        let (addresses, out) = AsyncStream.makeStream(of: String.self)
        let task = Task { try await server.run { out.yield($0); out.finish() } }
        var it = addresses.makeAsyncIterator()
        guard let address = await it.next() else { throw TBError(.internalError, "the server did not start") }
        let port = address.split(separator: ":").last!
        return Served(base: "http://127.0.0.1:\(port)", task: task, stats: stats)
    }

    func stop() { task.cancel() }
}

struct Answer {
    var status: Int
    var contentType: String
    var body: String
    var json: Any? { try? JSONSerialization.jsonObject(with: Data(body.utf8)) }
}

/// What the server answered, to check against docs/openapi.yaml in one go.
final class Exchanges: Sendable {
    private let list = Locked([[String: Any]]())

    func add(_ method: String, _ path: String, _ a: Answer, schema: String? = nil) {
        var x: [String: Any] = ["method": method, "path": path, "status": a.status, "contentType": a.contentType, "body": a.body]
        if let schema { x["schema"] = schema }
        list.withLock { $0.append(x) }
    }

    /// Runs tests/harness/openapi-check.py over everything recorded; `all`: every operation of
    /// the spec must have been exercised.
    func check(all: Bool) async throws -> CommandResult {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("exchanges-\(UUID().uuidString).json").path
        let items = list.withLock { $0 }
        try JSONSerialization.data(withJSONObject: items, options: [.prettyPrinted]).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        return try await Subprocess.run([PyTools.python, Repo.root + "/tests/harness/openapi-check.py", Repo.root + "/docs/openapi.yaml", file]
                                        + (all ? ["--all"] : []))
    }
}

enum Repo {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()
}

/// The Python tools scripts/install-deps.sh installs (openapi-spec-validator and its schema
/// validator) in their own virtual environment.
enum PyTools {
    static let python = "/opt/tbctl-pytools/bin/python"
    static var missing: String? {
        FileManager.default.isExecutableFile(atPath: python) ? nil : "\(python) is missing: run scripts/install-deps.sh"
    }
}

/// One request with curl, as a user of the API would send it.
func http(_ method: String, _ url: String, headers: [String] = [], body: String? = nil, record: Exchanges? = nil) async throws -> Answer {
    let out = FileManager.default.temporaryDirectory.appendingPathComponent("body-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: out) }
    var argv = ["curl", "-sS", "-X", method, "-o", out, "-w", "%{http_code} %{content_type}", "--max-time", "20", url]
    for h in headers { argv += ["-H", h] }
    if let body { argv += ["--data-binary", body] }
    let r = try await Subprocess.run(argv)
    guard r.succeeded else { throw TBError(.command, "curl \(method) \(url) failed", cause: r.stderr) }
    let parts = r.stdout.split(separator: " ", maxSplits: 1)
    let answer = Answer(status: Int(parts[0]) ?? 0, contentType: parts.count > 1 ? String(parts[1]) : "",
                        body: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "")
    if let record, let u = URL(string: url) {
        record.add(method, u.path + (u.query.map { "?" + $0 } ?? ""), answer)
    }
    return answer
}

/// The first `count` events of an event stream, read as they come (curl gives up after
/// `seconds`). The pipe is read off the cooperative pool.
func events(_ url: String, headers: [String] = [], count: Int, seconds: Int = 8) async throws -> [(name: String, data: String)] {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
    p.arguments = ["-sN", "--max-time", String(seconds), url] + headers.flatMap { ["-H", $0] }
    let pipe = Pipe()
    p.standardOutput = pipe
    try p.run()
    let text = await blocking { () -> String in
        var seen = ""
        while parseEvents(seen).count < count {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
        }
        return seen
    }
    p.terminate()
    await blocking { p.waitUntilExit() }
    return Array(parseEvents(text).prefix(count))
}

/// Complete events (`event:`/`data:` blocks ended by a blank line) of an event stream's text.
func parseEvents(_ text: String) -> [(name: String, data: String)] {
    var out: [(String, String)] = []
    for block in text.components(separatedBy: "\n\n").dropLast() {
        var name = "message", data = ""
        for line in block.split(separator: "\n") {
            if line.hasPrefix("event: ") { name = String(line.dropFirst(7)) }
            if line.hasPrefix("data: ") { data = String(line.dropFirst(6)) }
        }
        if !data.isEmpty { out.append((name, data)) }
    }
    return out
}
