import Apply
import Core
import Foundation
import Hosts
import Records
import Runner
import Scenario
import TestbedState
import Workspace

/// `tbctl exec --host NAME`: a command on testbed hosts themselves, the master in its local
/// shell, remote hosts over their SSH session, all at once. Outcomes are named `host NAME`.
public struct HostExec: Sendable {
    public let state: TestbedState
    public let workspace: Workspace
    public let connector: any HostConnector

    public init(state: TestbedState, workspace: Workspace, connector: any HostConnector) {
        self.state = state; self.workspace = workspace; self.connector = connector
    }

    public func run(_ command: String, on hosts: [String],
                    output: @escaping @Sendable (String, StdStream, [UInt8]) -> Void) async -> [GuestExec.Outcome] {
        guard !hosts.isEmpty else { return [] }
        let targets = LiveTargets(state: state, workspace: workspace, connector: connector)
        let results = Locked([String: GuestExec.Outcome]())
        await withTaskGroup(of: Void.self) { group in
            for name in hosts {
                group.addTask {
                    let began = ContinuousClock.now
                    var status: Int32?
                    var failure: TBError?
                    do {
                        let session = try await targets.session(for: .host(name))
                        status = try await session.exec(command) { stream, bytes in output(name, stream == .stderr ? .stderr : .stdout, bytes) }
                    } catch {
                        failure = error.asTBError(.ssh, "the command did not finish").about("host \(name)")
                    }
                    let d = ContinuousClock.now - began
                    let outcome = GuestExec.Outcome(guest: "host \(name)", status: status, error: failure,
                                                    seconds: Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18)
                    results.withLock { $0[name] = outcome }
                }
            }
        }
        await targets.closeAll()
        return hosts.compactMap { results.current[$0] }
    }
}
