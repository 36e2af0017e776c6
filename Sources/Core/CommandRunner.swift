import Foundation

/// Runs a program on some machine: the master (a subprocess) or a remote host (an SSH exec
/// channel). OVS and host preparation are written against this, so they work on either.
public protocol CommandRunner: Sendable {
    /// Where the command runs, for messages ("host rack2").
    var location: String { get }
    /// Runs argv (no shell) and returns its status and output; never throws for a non-zero exit.
    func run(_ argv: [String], stdin: [UInt8]?) async throws -> CommandResult
}

extension CommandRunner {
    public func run(_ argv: [String]) async throws -> CommandResult { try await run(argv, stdin: nil) }

    /// Runs argv and throws a `.command` error with its stderr when it exits non-zero.
    @discardableResult
    public func check(_ argv: [String], stdin: [UInt8]? = nil, code: TBError.Code = .command) async throws -> String {
        let r = try await run(argv, stdin: stdin)
        guard r.succeeded else {
            throw TBError(code, "`\(argv.joined(separator: " "))` failed (exit \(r.status))", object: location,
                          cause: (r.stderr.isEmpty ? r.stdout : r.stderr).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return r.stdout
    }
}

/// Which of a command's output streams a chunk came from.
public enum StdStream: Sendable, Equatable {
    case stdout, stderr
}

/// The master itself.
public struct LocalRunner: CommandRunner {
    public init() {}
    public var location: String { "local host" }
    public func run(_ argv: [String], stdin: [UInt8]?) async throws -> CommandResult {
        try await Subprocess.run(argv, stdin: stdin.map { Data($0) })
    }
}

/// Quotes a word for a POSIX shell (remote exec channels take one command string).
public func shellQuote(_ s: String) -> String {
    if !s.isEmpty, s.allSatisfy({ $0.isLetter || $0.isNumber || "-_./=:,@%+".contains($0) }) { return s }
    return "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
