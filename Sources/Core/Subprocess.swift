import Foundation

/// A local command's result.
public struct CommandResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    public var succeeded: Bool { status == 0 }
    public init(status: Int32, stdout: String, stderr: String) {
        self.status = status; self.stdout = stdout; self.stderr = stderr
    }
}

/// Runs local programs (qemu-img, ovs-vsctl, xorriso in tests) without a shell.
public enum Subprocess {
    /// Runs `argv` and collects its output. Never throws for a non-zero exit: callers decide.
    public static func run(_ argv: [String], stdin: Data? = nil,
                           environment: [String: String]? = nil) async throws -> CommandResult {
        precondition(!argv.isEmpty, "empty command line")
        return try await blocking { try runBlocking(argv, stdin: stdin, environment: environment) }
    }

    /// Runs `argv` and throws a `.command` error naming the program and its stderr on failure.
    @discardableResult
    public static func check(_ argv: [String], stdin: Data? = nil, what: String? = nil) async throws -> String {
        let r = try await run(argv, stdin: stdin)
        guard r.succeeded else {
            throw TBError(.command, "\(what ?? argv[0]) failed (exit \(r.status))",
                          cause: r.stderr.isEmpty ? r.stdout : r.stderr)
        }
        return r.stdout
    }

    public static func runBlocking(_ argv: [String], stdin: Data? = nil,
                                   environment: [String: String]? = nil) throws -> CommandResult {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: resolve(argv[0]))
        p.arguments = Array(argv.dropFirst())
        if let environment { p.environment = environment }
        let out = Pipe(), err = Pipe(), inp = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = stdin == nil ? FileHandle.nullDevice : inp
        do { try p.run() } catch {
            throw TBError(.command, "cannot start \(argv[0])", underlying: error)
        }
        if let stdin {
            DispatchQueue.global().async {
                try? inp.fileHandleForWriting.write(contentsOf: stdin)
                try? inp.fileHandleForWriting.close()
            }
        }
        // Read stderr on another thread so a chatty child cannot fill one pipe and deadlock.
        let errData = Locked(Data())
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            let d = err.fileHandleForReading.readDataToEndOfFile()
            errData.withLock { $0 = d }
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        return CommandResult(status: p.terminationStatus,
                             stdout: String(decoding: outData, as: UTF8.self),
                             stderr: String(decoding: errData.current, as: UTF8.self))
    }

    /// Finds a program on PATH (plus the sbin directories, which root's PATH may lack).
    public static func resolve(_ name: String) -> String {
        if name.contains("/") { return name }
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "") + ":/usr/sbin:/sbin:/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return name
    }
}
