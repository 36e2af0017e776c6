/// The one error type of tbctl: a code a script can branch on, a message a person can act on,
/// the object and host it is about, and the underlying cause (libvirt's message, a command's
/// stderr), kept as the error itself when there is one.
public struct TBError: Error, CustomStringConvertible, Sendable {
    /// A closed set: scripts see these names in `--format json` output (docs/cli.md), and
    /// `ExitStatus` maps each to the process's exit status.
    public enum Code: String, Sendable, Codable, CaseIterable {
        case invalidInput      // the compose file, a project file or a command line is wrong
        case notFound          // a guest, snapshot, image or file that does not exist
        case conflict          // something exists that should not, or a lock is held
        case unreachable       // a testbed host could not be connected to (network, daemon, login)
        case failed            // one or more steps failed; `problems` lists each
        case libvirt           // libvirt refused or failed
        case ssh               // SSH connect, auth, host key or channel failure
        case hostKeyMismatch   // a host or guest presented a key other than the recorded one
        case command           // a command (on a host or guest) exited non-zero
        case ovs               // Open vSwitch refused or failed
        case io                // reading or writing local files
        case timeout           // a guest or host did not answer in time
        case cancelled         // the user interrupted
        case unsupported       // asked for something this host or build cannot do
        case internalError     // a bug in tbctl
    }

    public var code: Code
    public var message: String
    /// What the error is about, e.g. "guest web-1 on host rack2".
    public var object: String?
    /// The cause as text: a tool's stderr, libvirt's message, or the underlying error's description.
    public var cause: String?
    /// The error that caused this one, as it was thrown (a TBError, a DecodingError, ...).
    public var underlying: (any Error)?
    /// Several failures carried as data: the failed steps of `up` or `down`, each with its own
    /// code and object. The message says how many and what was left as it was.
    public var problems: [TBError]

    public init(_ code: Code, _ message: String, object: String? = nil, cause: String? = nil, problems: [TBError] = []) {
        self.code = code
        self.message = message
        self.object = object
        self.cause = cause
        self.underlying = nil
        self.problems = problems
    }

    public init(_ code: Code, _ message: String, object: String? = nil, underlying: any Error) {
        self.init(code, message, object: object, cause: TBError.describe(underlying))
        self.underlying = underlying
    }

    /// The underlying error when it is a TBError (its code tells what really went wrong).
    public var underlyingTBError: TBError? { underlying as? TBError }

    public var description: String {
        var s = object.map { "\($0): \(message)" } ?? message
        if let cause, !cause.isEmpty { s += "\n  cause: " + Self.indent(cause, "         ") }
        for p in problems { s += "\n- " + Self.indent(p.description, "  ") }
        return s
    }

    /// Every line after the first indented (no Foundation here: this target has no dependencies).
    static func indent(_ text: String, _ prefix: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\n" + prefix)
    }

    /// Adds context while keeping the original code and cause.
    public func about(_ object: String) -> TBError {
        var copy = self
        copy.object = self.object.map { "\(object): \($0)" } ?? object
        return copy
    }

    public static func describe(_ error: any Error) -> String {
        (error as? TBError)?.description ?? String(describing: error)
    }
}

extension Error {
    /// Any error as a TBError, keeping TBErrors as they are.
    public func asTBError(_ code: TBError.Code = .internalError, _ message: String = "unexpected error") -> TBError {
        (self as? TBError) ?? (self is CancellationError ? TBError(.cancelled, "interrupted")
                                                          : TBError(code, message, underlying: self))
    }
}
