/// tbctl's exit statuses, one per class of outcome a script may act on differently. Stable:
/// documented in docs/cli.md and `tbctl --help`; a new class gets a new number, never an old one.
/// Modelled on what sysexits(3) and systemd do (a few classes, 0 for success, 128+signal for a
/// signal) rather than one number per error: a script branches on the class and reads the
/// error's `code` (in `--format json`) for the detail.
public enum ExitStatus: Int32, Sendable, CaseIterable, Codable {
    /// Everything asked for was done.
    case ok = 0
    /// A step failed: an action on a host or guest, a command on a guest (`exec`), a file tbctl
    /// writes. Whatever else could be done was done (partial failure); run the command again
    /// once the cause is fixed.
    case failed = 1
    /// Usage or invalid input: the command line, the compose file, a name given (guest,
    /// service, snapshot) or a project file (.testbed/state.json) is wrong. Nothing was changed.
    case usage = 2
    /// A testbed host could not be reached (connection, login, or a host key other than the
    /// recorded one), and nothing else failed: the other hosts' work is done.
    case unreachable = 3
    /// Conflict: another tbctl holds the project (try again when it ends), or something
    /// exists that tbctl would make (a snapshot of that name, a foreign domain or bridge).
    case conflict = 4
    /// A bug in tbctl: please report it with the error's output.
    case internalError = 70
    /// Interrupted (Ctrl-C): what finished stays; the same command again finishes the job.
    case interrupted = 130

    /// The class of each error code: the one place codes meet exit statuses.
    public init(_ code: TBError.Code) {
        switch code {
        case .invalidInput, .notFound: self = .usage
        case .unreachable: self = .unreachable
        case .conflict: self = .conflict
        case .failed, .libvirt, .ssh, .hostKeyMismatch, .command, .ovs, .io, .timeout, .unsupported: self = .failed
        case .cancelled: self = .interrupted
        case .internalError: self = .internalError
        }
    }

    /// An error's status: its code's class. Several failures (`failed`, with `problems`) give
    /// `unreachable` when every one is an unreachable host, `interrupted` when one is an
    /// interruption, else `failed`; other errors with problems (the mistakes of a compose
    /// file) keep their own code's class.
    public init(_ error: TBError) {
        guard error.code == .failed, !error.problems.isEmpty else { self.init(error.code); return }
        let each = Set(error.problems.map(ExitStatus.init))
        if each.contains(.interrupted) { self = .interrupted } else if each == [.unreachable] { self = .unreachable } else { self = .failed }
    }

    /// The name scripts see in JSON output beside the number.
    public var name: String {
        switch self {
        case .ok: "ok"
        case .failed: "failed"
        case .usage: "usage"
        case .unreachable: "unreachable"
        case .conflict: "conflict"
        case .internalError: "internalError"
        case .interrupted: "interrupted"
        }
    }
}

extension TBError {
    public var exitStatus: ExitStatus { ExitStatus(self) }
}
