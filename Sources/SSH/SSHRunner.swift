import Core

/// Runs host commands (ovs-vsctl, qemu-img, ...) over an SSH session, so code written against
/// CommandRunner works on remote hosts as on the master. The argv is joined with shell
/// quoting, since an exec channel takes one command line for the remote shell.
public struct SSHRunner: CommandRunner {
    public let session: SSHSession
    public let location: String

    /// `location` names the machine in messages ("host rack2"); default: the session endpoint.
    public init(session: SSHSession, location: String? = nil) {
        self.session = session
        self.location = location ?? session.endpoint
    }

    public func run(_ argv: [String], stdin: [UInt8]?) async throws -> CommandResult {
        precondition(!argv.isEmpty, "empty command line")
        return try await session.exec(argv.map(shellQuote).joined(separator: " "), stdin: stdin)
    }
}
