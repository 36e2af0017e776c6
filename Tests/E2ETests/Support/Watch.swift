import Core
import Foundation

/// `tbctl serve` running in the background for a test, stopped with SIGTERM.
final class ServeProcess: @unchecked Sendable {
    let process: Process
    let stdout: Pipe
    let log: String
    var pid: Int32 { process.processIdentifier }

    private init(process: Process, stdout: Pipe, log: String) { self.process = process; self.stdout = stdout; self.log = log }

    static func start(_ lab: TestLab, _ args: [String]) throws -> ServeProcess {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Repo.tbctl)
        p.arguments = ["serve", "-f", lab.compose] + args
        let out = Pipe()
        let log = lab.dir + "/serve.log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        p.standardOutput = out
        p.standardError = FileHandle(forWritingAtPath: log)
        try p.run()
        return ServeProcess(process: p, stdout: out, log: log)
    }

    /// The URL from the line `tbctl serve: http://127.0.0.1:PORT/ (...)` it prints once listening.
    func url() async throws -> String {
        let handle = stdout.fileHandleForReading
        let line = await blocking { () -> String in
            var seen = ""
            while !seen.contains("\n") {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                seen += String(decoding: chunk, as: UTF8.self)
            }
            return seen
        }
        guard let r = line.range(of: #"http://[^ ]+/"#, options: .regularExpression) else {
            throw TBError(.command, "tbctl serve did not start", cause: line + ((try? String(contentsOfFile: log, encoding: .utf8)) ?? ""))
        }
        return String(line[r])
    }

    @discardableResult
    func stop() -> Int32 {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return process.terminationStatus
    }
}

/// Debian's Prometheus, started with a temporary config and storage on a free loopback port,
/// scraping one target every second.
final class PrometheusProcess: @unchecked Sendable {
    struct Sample { var labels: [String: String]; var value: Double }
    let process: Process
    let dir: String
    let api: String

    private init(process: Process, dir: String, api: String) { self.process = process; self.dir = dir; self.api = api }

    static func start(target: URL, token: String? = nil) throws -> PrometheusProcess {
        let dir = NSTemporaryDirectory() + "tbctl-prometheus-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir + "/data", withIntermediateDirectories: true)
        let auth = token.map { "    authorization: {credentials: '\($0)'}\n" } ?? ""
        try """
            global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}
            scrape_configs:
              - job_name: tbctl
            \(auth)    static_configs: [{targets: ['\(target.host!):\(target.port!)']}]
            """.write(toFile: dir + "/prometheus.yml", atomically: true, encoding: .utf8)
        let port = try freeLoopbackPort()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/prometheus")
        p.arguments = ["--config.file=\(dir)/prometheus.yml", "--storage.tsdb.path=\(dir)/data",
                       "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn"]
        _ = FileManager.default.createFile(atPath: dir + "/log", contents: nil)
        p.standardOutput = FileHandle(forWritingAtPath: dir + "/log")
        p.standardError = FileHandle(forWritingAtPath: dir + "/log")
        try p.run()
        return PrometheusProcess(process: p, dir: dir, api: "http://127.0.0.1:\(port)")
    }

    /// Asks Prometheus (instant query) until `done` holds for the answer or 60 s passed;
    /// returns the last answer.
    func waitFor(_ query: String, _ done: ([Sample]) -> Bool) async throws -> [Sample] {
        var last: [Sample] = []
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            last = (try? await self.query(query)) ?? []
            if done(last) { return last }
            try await Task.sleep(for: .milliseconds(500))
        }
        return last
    }

    func query(_ q: String) async throws -> [Sample] {
        let encoded = q.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let body = try await curl(api + "/api/v1/query?query=" + encoded)
        guard let json = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
              let data = json["data"] as? [String: Any], let result = data["result"] as? [[String: Any]] else {
            throw TBError(.command, "unexpected answer from Prometheus", cause: body)
        }
        return result.compactMap { r in
            guard let metric = r["metric"] as? [String: String], let value = r["value"] as? [Any],
                  let text = value.last as? String, let v = Double(text) else { return nil }
            return Sample(labels: metric, value: v)
        }
    }

    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: dir)
    }
}

/// Headless Chromium driven through the DevTools protocol (tests/harness/cdp.py).
enum Chromium {
    static func open(_ url: String, until: String, eval: String, screenshot: String, timeout: Int = 60) async throws -> CommandResult {
        try await Subprocess.run(["python3", Repo.root + "/tests/harness/cdp.py", url, "--until", until, "--eval", eval,
                                  "--screenshot", screenshot, "--timeout", String(timeout)])
    }
}

/// A TCP port free on 127.0.0.1 right now (the kernel picks it).
func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ok = withUnsafeMutablePointer(to: &addr) { p in
        p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
    }
    guard ok else { throw TBError(.io, "cannot find a free port") }
    return Int(UInt16(bigEndian: addr.sin_port))
}
