import ArgumentParser

/// The one output-format option (modelled on apple/container's `--format json|table`):
/// `text` for people (tables, progress lines), `json` for scripts, with stable keys
/// documented in docs/cli.md. In json, stdout carries exactly one JSON document and
/// everything else (progress, a guest's output) goes to stderr.
enum OutputFormat: String, CaseIterable, ExpressibleByArgument, Sendable {
    case text, json

    /// The format asked for on a command line, found without parsing it: errors (a bad option
    /// included) are printed in it. Only words before a `--` count (after it comes a command
    /// for a guest).
    static func requested(in argv: [String]) -> OutputFormat {
        let words = argv.prefix { $0 != "--" }
        var format = OutputFormat.text
        for (i, w) in words.enumerated() {
            if w == "--json" { return .json }
            if w.hasPrefix("--format=") { format = OutputFormat(rawValue: String(w.dropFirst(9))) ?? format }
            if w == "--format", i + 1 < words.count { format = OutputFormat(rawValue: words[words.index(words.startIndex, offsetBy: i + 1)]) ?? format }
        }
        return format
    }
}

/// `--format text|json` and its shorthand `--json`, on every command that reports something.
struct OutputOptions: ParsableArguments {
    @Option(name: .customLong("format"), help: ArgumentHelp("Output format: text (for people) or json (for scripts; see docs/cli.md).", valueName: "format"))
    var chosen: OutputFormat?
    @Flag(help: "Same as --format json.") var json = false

    var format: OutputFormat { json ? .json : chosen ?? .text }
    var isJSON: Bool { format == .json }

    func validate() throws {
        if json, let chosen, chosen != .json { throw ValidationError("--json and --format \(chosen.rawValue) contradict each other") }
    }

    /// Prints `value` as the command's JSON document, or runs `text` for people.
    func emit<T: Encodable>(_ value: T, text: () throws -> Void) throws {
        if isJSON { try printJSON(value) } else { try text() }
    }
}
