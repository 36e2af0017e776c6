import Core
import Foundation
import Plan

/// What one `up`, `scale` or `down` did, for `--format json` (docs/cli.md): filled in as the
/// stages run, so it is whole also when the command fails or is interrupted. The failures
/// are data here (which action, host and guest, and why), not only lines of an error message.
public final class ApplyReport: Sendable {
    public enum Outcome: String, Sendable, Encodable { case ok, failed, skipped }

    public struct Step: Sendable, Encodable {
        public var action: Action
        public var result: Outcome
        public var error: TBError?
    }

    public struct StageRun: Sendable, Encodable {
        public var stage: String
        public var seconds: Double
        public var actions: [Step]
    }

    public struct HostOutcome: Sendable, Encodable {
        public var host: String
        public var result: String
        public var error: TBError?
    }

    struct Content: Sendable {
        var stages: [StageRun] = []
        var hosts: [HostOutcome] = []
        var notes: [String] = []
    }

    private let content = Locked(Content())

    public init() {}

    public var stages: [StageRun] { content.current.stages }
    /// Hosts that could not be reached (up, scale), or every host's teardown (down).
    public var hosts: [HostOutcome] { content.current.hosts }
    public var notes: [String] { content.current.notes }

    /// One stage: the actions that ran (failed unless in `failures`), and those skipped
    /// because an action they depend on failed or their host is unreachable.
    func stage(_ kind: Stage.Kind, ran: [Action], skipped: [Action], failures: [Failure], seconds: Double) {
        let failed = failures.map { ($0.action, $0.error) }
        let steps = ran.map { a in
            let e = failed.first { $0.0 == a }?.1
            return Step(action: a, result: e == nil ? .ok : .failed, error: e)
        } + skipped.map { Step(action: $0, result: .skipped, error: nil) }
        content.withLock { $0.stages.append(StageRun(stage: kind.rawValue, seconds: seconds, actions: steps)) }
    }

    func host(_ name: String, _ result: String, _ error: TBError? = nil) {
        content.withLock { $0.hosts.append(HostOutcome(host: name, result: result, error: error)) }
    }

    func note(_ text: String) { content.withLock { $0.notes.append(text) } }
}

extension Duration {
    /// Seconds as a Double, for reports.
    var asSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
