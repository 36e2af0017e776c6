import ArgumentParser
import Core
import Foundation

/// How a command that failed ends: its error on stderr, as text or (with `--format json`) as
/// one line of JSON, `{"error": {...}}`, and the exit status of the error's class
/// (`ExitStatus`, docs/cli.md).
enum ErrorOutput {
    struct Document: Encodable { var error: TBError }

    /// Reports `error` and returns the status to exit with. Help and `--version` print
    /// their text and exit 0 (through ArgumentParser).
    static func report(_ error: any Error, format: OutputFormat) -> Int32 {
        if let code = error as? ExitCode { return code.rawValue }   // the command reported it already
        if Tbctl.exitCode(for: error) == .success { Tbctl.exit(withError: error) }
        let (text, status) = rendered(error, format: format)
        stderr(text)
        return status
    }

    /// What is printed for `error` and the status it exits with.
    static func rendered(_ error: any Error, format: OutputFormat) -> (text: String, status: Int32) {
        let (tb, usage) = classify(error)
        switch format {
        case .json: return (jsonLine(Document(error: tb)), tb.exitStatus.rawValue)
        case .text: return (usage ?? "error: \(tb.description)", tb.exitStatus.rawValue)
        }
    }

    /// Any error as a TBError; a command-line mistake also with ArgumentParser's text (the
    /// message, then the usage line).
    static func classify(_ error: any Error) -> (TBError, usageText: String?) {
        switch error {
        case let e as TBError: return (e, nil)
        case is CancellationError: return (TBError(.cancelled, "interrupted; run the command again to finish"), nil)
        default:
            guard Tbctl.exitCode(for: error) == .validationFailure else { return (error.asTBError(), nil) }
            return (TBError(.invalidInput, Tbctl.message(for: error)), Tbctl.fullMessage(for: error))
        }
    }
}

func stderr(_ text: String, newline: Bool = true) {
    FileHandle.standardError.write(Data((text + (newline ? "\n" : "")).utf8))
}

/// Runs `body`, reading what the command line names (a guest, a network, a value): any error it
/// throws is the user's input (exit 2), whatever code it had.
func usage<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as TBError where e.exitStatus != .usage {
        var input = e
        input.code = .invalidInput
        throw input
    }
}
