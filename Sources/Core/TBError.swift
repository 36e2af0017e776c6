/// The one error type of tbctl: a code a script can branch on, a message a person can act on,
/// the object and host it is about, and the underlying cause (libvirt's message, a command's stderr).
public struct TBError: Error, CustomStringConvertible, Sendable {
    public enum Code: String, Sendable, Codable {
        case invalidInput      // the compose file or a command line is wrong
        case notFound          // a guest, snapshot, image or file that does not exist
        case conflict          // something exists that should not, or a lock is held
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
    public var cause: String?

    public init(_ code: Code, _ message: String, object: String? = nil, cause: String? = nil) {
        self.code = code
        self.message = message
        self.object = object
        self.cause = cause
    }

    public init(_ code: Code, _ message: String, object: String? = nil, underlying: any Error) {
        self.init(code, message, object: object, cause: TBError.describe(underlying))
    }

    public var description: String {
        var s = object.map { "\($0): \(message)" } ?? message
        if let cause, !cause.isEmpty { s += "\n  cause: " + cause.replacingOccurrences(of: "\n", with: "\n         ") }
        return s
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
