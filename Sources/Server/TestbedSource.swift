import Metrics
import TestbedState

/// What the server reads of the project besides the hosts; read again at every sample, so a
/// `tbctl up`, `scale` or `snapshot` meanwhile shows at once. tbctl reads `.testbed/`; tests
/// give fixed values.
public protocol TestbedSource: Sendable {
    func state() throws -> TestbedState
    func snapshots() throws -> [SnapshotView]
    /// Snapshots (and, once wired, runs) as metric facts.
    func facts() throws -> TestbedFacts
}
