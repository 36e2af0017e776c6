import Apply
import Core
import Hosts
import Libvirt
import Records
import Runner
import Scenario
import SSH
import TestbedState

/// The run's targets on the real testbed: one SSH session per guest for the whole run (guests
/// of a remote host through that host's session), remote hosts over their own session, the
/// master through its shell. Hosts are connected when a target first needs them.
public final class LiveTargets: TargetAccess {
    private let current: Locked<TestbedState>
    public let workspace: Workspace
    public let connectTimeout: Duration
    private let hosts = Locked<[String: Task<HostConnection, any Error>]>([:])
    private let sessions = Locked<[Target: Task<Opened, any Error>]>([:])

    /// A session and what to close when done with it.
    struct Opened: Sendable {
        var target: any TargetSession
        var ssh: SSHSession?
    }

    public init(state: TestbedState, workspace: Workspace, connectTimeout: Duration = .seconds(60)) {
        current = Locked(state); self.workspace = workspace; self.connectTimeout = connectTimeout
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
        for t in dropped { await (try? t.value)?.ssh?.close() }
    }

    public func closeAll() async {
        let all = sessions.withLock { s -> [Task<Opened, any Error>] in defer { s = [:] }; return Array(s.values) }
        for t in all { if let o = try? await t.value, o.ssh != nil, !(o.target is HostSessionTarget) { await o.ssh?.close() } }
        let connections = hosts.withLock { h -> [Task<HostConnection, any Error>] in defer { h = [:] }; return Array(h.values) }
        for c in connections { await (try? c.value)?.close() }
    }

    func host(_ name: String) async throws -> HostConnection {
        guard let spec = state.host(named: name) else { throw TBError(.notFound, "no host \(name) in testbed \(state.project)") }
        let task = hosts.withLock { h -> Task<HostConnection, any Error> in
            if let t = h[name] { return t }
            let knownHosts = workspace.knownHosts
            let t = Task { try await HostConnection.connect(spec, knownHosts: knownHosts) }
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
            if spec.ssh == nil { return Opened(target: LocalTarget(), ssh: nil) }
            let connection = try await host(target.name)
            guard let ssh = connection.session else { throw TBError(.internalError, "host \(target.name) has no SSH session") }
            return Opened(target: HostSessionTarget(inner: SSHTarget(session: ssh)), ssh: ssh)
        case .guest:
            guard let guest = state.guest(named: target.name) else {
                throw TBError(.notFound, "no guest \(target.name) in testbed \(state.project)")
            }
            let connection = try await host(guest.host)
            if let down = await notRunning(guest, on: connection) { throw down }
            let ssh = try await connection.guestSession(guest, user: state.user, keyFile: workspace.keyFile, timeout: connectTimeout)
            return Opened(target: SSHTarget(session: ssh), ssh: ssh)
        }
    }

    /// An error at once when libvirt says the guest is not running (rather than after the
    /// SSH timeout); nil when it runs or libvirt cannot tell.
    private func notRunning(_ guest: Guest, on host: HostConnection) async -> TBError? {
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

/// A remote host's jobs ride on the host connection's own session, closed with the host.
struct HostSessionTarget: TargetSession {
    let inner: SSHTarget
    func exec(_ commandLine: String, output: @escaping @Sendable (Records.LogStream, [UInt8]) -> Void) async throws -> Int32 {
        try await inner.exec(commandLine, output: output)
    }
    func upload(file: String, to path: String, mode: Int?) async throws { try await inner.upload(file: file, to: path, mode: mode) }
    func canConnect(to address: String, port: Int, timeout: Duration) async -> Bool {
        await inner.canConnect(to: address, port: port, timeout: timeout)
    }
}
