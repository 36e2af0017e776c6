import Conditions
import Core
import Foundation
import Hosts
import TestbedState
import Workspace

/// `tbctl capture`: a pcap of a guest's NIC or of a whole network, taken by tcpdump on the
/// host(s) that hold it and streamed back as it is captured (over each remote host's SSH
/// session), merged into one pcap stream (docs/conditions.md#capture).
public struct Capture: Sendable {
    public typealias Target = CaptureTarget

    public let state: TestbedState
    public let workspace: Workspace
    public let connector: any HostConnector

    public init(state: TestbedState, workspace: Workspace, connector: any HostConnector) {
        self.state = state; self.workspace = workspace; self.connector = connector
    }

    /// How a capture ended on one host: tcpdump's closing lines ("12 packets captured").
    public struct HostSummary: Sendable {
        public var host: String
        public var packets: Int
        public var tcpdump: String
    }

    /// Ends a running capture early (Ctrl-C, or the reader of `-w -` went away).
    public final class Stopper: Sendable {
        let requested = Locked(false)
        let hooks = Locked([@Sendable () async -> Void]())
        public init() {}
        public func stop() async {
            guard !requested.withLock({ r in defer { r = true }; return r }) else { return }
            for h in hooks.current { await h() }
        }
        func onStop(_ hook: @escaping @Sendable () async -> Void) async {
            hooks.withLock { $0.append(hook) }
            if requested.current { await hook() }
        }
    }

    /// Captures until `seconds` pass (nil: until `stopper` is told), writing the pcap header
    /// and then every record to `sink` as it comes. `filter` is a tcpdump expression.
    public func run(_ target: Target, seconds: Int?, filter: [String], stopper: Stopper,
                    sink: @escaping @Sendable ([UInt8]) -> Void) async throws -> [HostSummary] {
        let hostNames = try hosts(of: target)
        let set = await HostSet.connect(state.hosts.filter { hostNames.contains($0.name) }, via: connector)
        do {
            let summaries = try await run(target, on: set, seconds: seconds, filter: filter, stopper: stopper, sink: sink)
            await set.closeAll()
            return summaries
        } catch {
            await set.closeAll()
            throw error
        }
    }

    func run(_ target: Target, on set: HostSet, seconds: Int?, filter: [String], stopper: Stopper,
             sink: @escaping @Sendable ([UInt8]) -> Void) async throws -> [HostSummary] {
        if let f = set.failures.first { throw f.value.about("host \(f.key)") }
        let id = "tbcap" + String(format: "%08x", UInt32.random(in: 0...UInt32.max))
        var scripts: [(any HostConnection, String)] = []
        for name in set.connections.keys.sorted() {
            let c = set[name]!
            if let script = try await script(target, on: c, id: id, seconds: seconds, filter: filter) { scripts.append((c, script)) }
        }
        guard !scripts.isEmpty else { throw TBError(.notFound, "nothing to capture: no running guest is on \(target)") }

        let writer = PcapWriter()
        let started = Locked(false)
        let emit: @Sendable ([PcapReader.Record]) -> Void = { records in
            guard !records.isEmpty else { return }
            let head = started.withLock { s in defer { s = true }; return !s }
            sink((head ? writer.header : []) + records.flatMap(writer.bytes))
        }
        for (c, _) in scripts {
            await stopper.onStop { _ = try? await c.runner.run(["sh", "-c", CaptureScript.stop(id: id)]) }
        }
        let results = await concurrentResults(scripts) { c, script in try await stream(script, on: c, emit: emit) }
        if !started.current { sink(writer.header) }   // an empty capture is still a pcap file
        var summaries: [HostSummary] = []
        for ((c, _), r) in zip(scripts, results) { summaries.append(try r.value(onHost: c.name)) }
        return summaries
    }

    func hosts(of target: Target) throws -> Set<String> {
        switch target {
        case .nic(let nic): return [try Resolver(state: state).guest(nic.guest).host]
        case .network(let n): return Set(try Resolver(state: state).network(n).hosts)
        }
    }

    /// The host's capture script; nil when the host has nothing of the target running.
    func script(_ target: Target, on c: any HostConnection, id: String, seconds: Int?, filter: [String]) async throws -> String? {
        _ = try await c.runner.run(["sh", "-c", CaptureScript.cleanStale(project: state.project)])
        switch target {
        case .nic(let nic):
            let g = try Resolver(state: state).guest(nic.guest)
            let mac = g.nics.first { !$0.isManagement && $0.network == nic.network }!.mac.lowercased()
            let conditions = HostConditions(connection: c, user: state.user, keyFile: workspace.keyFile)
            guard let live = try await conditions.liveNICs(g) else {
                throw TBError(.command, "guest \(g.name) is not running: nothing to capture", object: "guest \(g.name) on host \(c.name)")
            }
            guard let tap = live[mac]?.tap else {
                throw TBError(.libvirt, "the running domain \(g.domain) has no NIC with MAC \(mac)", object: "guest \(g.name) on host \(c.name)")
            }
            return CaptureScript.nic(id: id, tap: tap, seconds: seconds, filter: filter)
        case .network(let name):
            let net = try Resolver(state: state).network(name)
            guard let bridge = try await c.ovs.bridges(project: state.project).first(where: { $0.name == net.bridge }) else { return nil }
            let ports = bridge.ports.filter { p in
                p.name != bridge.name && !p.name.hasPrefix("tbcap") && (p.type.isEmpty || p.type == "system" || p.type == "internal")
            }.map(\.name).sorted()
            guard !ports.isEmpty else { return nil }
            return CaptureScript.network(id: id, project: state.project, bridge: net.bridge, ports: ports, seconds: seconds, filter: filter)
        }
    }

    /// Runs one host's script, feeding its pcap stream to `emit` record by record.
    func stream(_ script: String, on c: any HostConnection, emit: @escaping @Sendable ([PcapReader.Record]) -> Void) async throws -> HostSummary {
        let reader = Locked(PcapReader())
        let broken = Locked<TBError?>(nil)
        let take: @Sendable ([UInt8]) -> Void = { bytes in
            guard broken.current == nil else { return }
            do { emit(try reader.withLock { try $0.feed(bytes) }) } catch { broken.withLock { $0 = error.asTBError(.command) } }
        }
        let result = try await c.stream(script: script) { stream, bytes in if stream == .stdout { take(bytes) } }
        let said = result.stderr.split(separator: "\n").filter { !$0.hasPrefix("listening on") && !$0.hasPrefix("tcpdump: listening") }
            .joined(separator: "\n")
        guard result.succeeded else {
            let syntax = said.contains("syntax error") || said.contains("can't parse filter")
            throw TBError(syntax ? .invalidInput : .command,
                          syntax ? "tcpdump refused the filter" : "the capture failed (exit \(result.status))", cause: said)
        }
        if let e = broken.current { throw e }
        return HostSummary(host: c.name, packets: reader.current.records, tcpdump: said)
    }
}

extension Result where Failure == any Error {
    func value(onHost host: String) throws -> Success {
        do { return try get() } catch { throw error.asTBError(.command).about("host \(host)") }
    }
}
