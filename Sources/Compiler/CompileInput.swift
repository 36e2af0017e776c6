import ComposeModel
import Core
import TestbedState

/// Everything the compiler reads. The compiler itself does no I/O beyond what these closures
/// do (reading the files the compose file names), so the same input gives the same state.
public struct CompileInput: Sendable {
    public var compose: ComposeFile
    /// SHA-256 of the compose file's bytes (recorded so `up` can tell the state is stale).
    public var composeDigest: String
    /// The project key: its public line goes into every guest; its seed derives guest host keys.
    public var projectKey: Ed25519Key
    /// The previous state, if any: existing guests keep their host, addresses and MACs.
    public var previous: TestbedState?
    /// `tbctl scale` overrides: service name -> replicas.
    public var replicaOverrides: [String: Int]
    /// Where remote hosts' keys are recorded (goes into their libvirt URIs).
    public var knownHostsFile: String
    /// `up --local`: every guest on the first host (the master), whatever `hosts:` and `host:` say.
    public var local = false
    /// SHA-256 of a local file (setup scripts, images); the caller may cache it.
    public var digest: @Sendable (String) throws -> String
    /// First bytes of a local file, to detect an image's format.
    public var header: @Sendable (String) -> [UInt8]

    public init(compose: ComposeFile, composeDigest: String, projectKey: Ed25519Key, previous: TestbedState?,
                replicaOverrides: [String: Int], knownHostsFile: String,
                digest: @escaping @Sendable (String) throws -> String,
                header: @escaping @Sendable (String) -> [UInt8]) {
        self.compose = compose; self.composeDigest = composeDigest; self.projectKey = projectKey
        self.previous = previous; self.replicaOverrides = replicaOverrides; self.knownHostsFile = knownHostsFile
        self.digest = digest; self.header = header
    }
}
