import Apply
import Core
import Hosts
import Records
import Runner
import Scenario
import TestbedState
import Workspace

/// The run's targets on the testbed, through the Hosts protocols (LiveHosts: one SSH session
/// per guest for the whole run, guests of a remote host through that host's session; remote
/// hosts over their own session); the master through its own shell. Hosts are connected when
/// a target first needs them.
public final class LiveTargets: TargetAccess {
    private let current: Locked<TestbedState>
    public let workspace: Workspace
    public let connector: any HostConnector
    public let connectTimeout: Duration
    private let hosts = Locked<[String: Task<any HostConnection, any Error>]>([:])
    private let sessions = Locked<[Target: Task<Opened, any Error>]>([:])

    /// A session and, for guests, the session to close when done with it.
    struct Opened: Sendable {
        var target: any TargetSession
        var owned: (any GuestSession)?
    }

    public init(state: TestbedState, workspace: Workspace, connector: any HostConnector, connectTimeout: Duration = .seconds(60)) {
        current = Locked(state); self.workspace = workspace; self.connector = connector; self.connectTimeout = connectTimeout
    }

    public var state: TestbedState { current.current }

    /// The testbed after a scale: new clones become reachable targets.
    public func update(_ state: TestbedState) { current.withLock { $0 = state } }

    public func session(for target: Target) async throws -> any TargetSession {
        let task = sessions.withLock { s -> Task<Opened, any Error> in
            if let t = s[target] { return t }
            let t = Task { try await open(target) }
            s[target] = t
            return t
        }
        do {
            return try await task.value.target
        } catch {
            // Not kept: a later job (or the final sweep) tries again.
            sessions.withLock { s in if s[target] == task { s[target] = nil } }
            throw error
        }
    }

    public func prepare(_ commandLine: String, for target: Target) -> String {
        guard target.kind == .guest, let g = state.guest(named: target.name) else { return commandLine }
        return GuestCommand.wrap(g, commandLine)
    }

    /// Forgets the guests' sessions (after a snapshot restore their TCP state is from the past).
    public func dropGuestSessions() async {
        let dropped = sessions.withLock { s -> [Task<Opened, any Error>] in
            let guests = s.filter { $0.key.kind == .guest }
            for k in guests.keys { s[k] = nil }
            return Array(guests.values)
        }
        for t in dropped { await (try? t.value)?.owned?.close() }
    }

    public func closeAll() async {
        let all = sessions.withLock { s -> [Task<Opened, any Error>] in defer { s = [:] }; return Array(s.values) }
        for t in all { await (try? t.value)?.owned?.close() }
        let connections = hosts.withLock { h -> [Task<any HostConnection, any Error>] in defer { h = [:] }; return Array(h.values) }
        for c in connections { await (try? c.value)?.close() }
    }

    func host(_ name: String) async throws -> any HostConnection {
        guard let spec = state.host(named: name) else { throw TBError(.notFound, "no host \(name) in testbed \(state.project)") }
        let task = hosts.withLock { h -> Task<any HostConnection, any Error> in
            if let t = h[name] { return t }
            let connector = self.connector
            let t = Task { try await connector.connect(spec) }
            h[name] = t
            return t
        }
        do { return try await task.value } catch {
            hosts.withLock { h in if h[name] == task { h[name] = nil } }
            throw error
        }
    }

    private func open(_ target: Target) async throws -> Opened {
        switch target.kind {
        case .host:
            guard let spec = state.host(named: target.name) else { throw TBError(.notFound, "no host \(target.name) in testbed \(state.project)") }
            if spec.ssh == nil { return Opened(target: LocalTarget(), owned: nil) }
            let connection = try await host(target.name)
            guard let session = connection.hostSession() else { throw TBError(.internalError, "host \(target.name) has no session for commands") }
            return Opened(target: SessionTarget(session: session), owned: nil)   // closed with its host
        case .guest:
            guard let guest = state.guest(named: target.name) else {
                throw TBError(.notFound, "no guest \(target.name) in testbed \(state.project)")
            }
            let connection = try await host(guest.host)
            if let down = await notRunning(guest, on: connection) { throw down }
            let session = try await connection.guestSession(guest, user: state.user, keyFile: workspace.keyFile, timeout: connectTimeout)
            return Opened(target: SessionTarget(session: session), owned: session)
        }
    }

    /// An error at once when libvirt says the guest is not running (rather than after the
    /// SSH timeout); nil when it runs or libvirt cannot tell.
    private func notRunning(_ guest: Guest, on host: any HostConnection) async -> TBError? {
        do {
            guard let domain = try await host.libvirt.domain(named: guest.domain) else {
                return TBError(.notFound, "guest \(guest.name) does not exist on host \(host.name): run `tbctl up`")
            }
            switch try await domain.state() {
            case .running, .blocked: return nil
            case let s: return TBError(.command, "guest \(guest.name) on host \(host.name) is not running (\(s)): run `tbctl up`")
            }
        } catch {
            return nil
        }
    }
}
