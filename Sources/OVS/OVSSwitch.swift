import Core
import OVSModel

/// Open vSwitch on one host, driven through ovs-vsctl on a `CommandRunner` (local subprocess
/// or SSH exec), so the same code serves the master and remote hosts.
public struct OVSSwitch: VirtualSwitch {
    public let runner: any CommandRunner

    public init(runner: some CommandRunner) { self.runner = runner }

    /// Upper bound on one ovs-vsctl call, including its wait for ovs-vswitchd to apply the
    /// change; without it a stopped vswitchd would hang tbctl forever.
    static let timeout = "--timeout=10"

    // MARK: reading

    /// The project's bridges (external_ids:tbctl-project=project) with all their ports; for
    /// its gateway ports also their addresses and link state (one more call, only if any).
    public func bridges(project: String) async throws -> [BridgeInfo] {
        let mine = try await snapshot().filter { $0.externalIDs[OVSKeys.project] == project }
        guard mine.contains(where: { $0.ports.contains { $0.type == "internal" && $0.project != nil } }) else { return mine }
        return withLinks(mine, try await HostAddresses.read(runner))
    }

    /// Every bridge on the host. One ovs-vsctl call lists all three tables (hosts have a few
    /// dozen rows, so filtering here is cheaper than a round trip per bridge).
    func snapshot() async throws -> [BridgeInfo] {
        let out = try await runner.check(["ovs-vsctl", OVSSwitch.timeout, "--format=json",
            "--", "--columns=_uuid,name,datapath_type,external_ids,ports", "list", "Bridge",
            "--", "--columns=_uuid,name,interfaces", "list", "Port",
            "--", "--columns=_uuid,name,type,options,external_ids,ofport,error,mtu_request", "list", "Interface"], code: .ovs)
        let t = try OVSJSON.tables(out)
        guard t.count == 3 else { throw TBError(.ovs, "ovs-vsctl printed \(t.count) tables, expected 3", object: runner.location) }
        return OVSJSON.bridges(bridgeTable: t[0], portTable: t[1], interfaceTable: t[2])
    }

    private func withLinks(_ bridges: [BridgeInfo], _ links: [String: HostAddresses.Link]) -> [BridgeInfo] {
        bridges.map { b in
            var b = b
            b.ports = b.ports.map { p in
                guard p.type == "internal", let link = links[p.name] else { return p }
                var p = p
                p.addresses = link.addresses
                p.isUp = link.isUp
                return p
            }
            return b
        }
    }

    // MARK: host records

    public func hostRecords(prefix: String) async throws -> [String: String] {
        let out = try await runner.check(["ovs-vsctl", OVSSwitch.timeout, "--format=json", "--columns=external_ids",
                                          "list", "Open_vSwitch"], code: .ovs)
        let ids = try OVSJSON.tables(out).first?.rows.first?["external_ids"]?.stringMap ?? [:]
        return ids.filter { $0.key.hasPrefix(prefix) }
    }

    /// Key and value are written as OVSDB's quoted (JSON) strings, so any text is stored as it is.
    public func setHostRecord(key: String, value: String?) async throws {
        let k = Self.quoted(key)
        let command = value.map { ["set", "Open_vSwitch", ".", "external_ids:\(k)=\(Self.quoted($0))"] }
            ?? ["remove", "Open_vSwitch", ".", "external_ids", k]
        _ = try await runner.check(["ovs-vsctl", OVSSwitch.timeout] + command, code: .ovs)
    }

    static func quoted(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where c.value < 0x20: out += "\\u00" + (c.value < 0x10 ? "0" : "") + String(c.value, radix: 16)
            default: out.unicodeScalars.append(c)
            }
        }
        return out + "\""
    }

    // MARK: changing

    /// Runs `changes` as ONE ovs-vsctl transaction (removals first), then checks that every
    /// bridge and port it creates or re-configures really works, then sets gateway addresses.
    /// What OVS failed to set up is removed again and reported as a `.ovs` error.
    public func apply(_ changes: [OVSChange]) async throws {
        guard !changes.isEmpty else { return }
        let ordered = changes.enumerated().sorted { ($0.element.phase, $0.offset) < ($1.element.phase, $1.offset) }
            .map(\.element)
        let commands = try ordered.flatMap { try $0.vsctlCommands() }   // validates before touching anything
        try await refuseForeignBridges(ordered)
        let warnings = try await transact(commands)
        try await verify(ordered, vsctlStderr: warnings)
        for (_, port) in ordered.compactMap(\.ensuredPort) {
            if case .internal(let address, _) = port.kind { try await HostAddresses.configure(port.name, address: address, runner) }
        }
    }

    /// `--may-exist add-br` would silently adopt a same-named bridge that is not this
    /// project's (an admin's bridge, or another project's whose readable name collides).
    private func refuseForeignBridges(_ changes: [OVSChange]) async throws {
        let adding = changes.compactMap { c -> (String, String?)? in
            if case .addBridge(let name, _, let ids) = c { return (name, ids[OVSKeys.project]) }
            return nil
        }
        guard !adding.isEmpty else { return }
        let existing = Dictionary(try await snapshot().map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for (name, project) in adding {
            guard let b = existing[name], b.externalIDs[OVSKeys.project] != project else { continue }
            let owner = b.externalIDs[OVSKeys.project].map { "tbctl project '\($0)'" } ?? "something other than tbctl"
            throw TBError(.conflict, "bridge \(name) already exists and belongs to \(owner)", object: runner.location)
        }
    }

    /// Runs one transaction; returns ovs-vsctl's stderr, which holds vswitchd's complaints
    /// ("Error detected while setting up ...") even when it exits 0.
    private func transact(_ commands: [[String]]) async throws -> String {
        let argv = ["ovs-vsctl", OVSSwitch.timeout] + commands.flatMap { ["--"] + $0 }
        let r = try await runner.run(argv)
        guard r.succeeded else {
            let said = (r.stderr.isEmpty ? r.stdout : r.stderr).trimmingCharacters(in: .whitespacesAndNewlines)
            // ovs-vsctl dies by SIGALRM (142) when --timeout expires: no ovsdb-server, or no
            // ovs-vswitchd to apply the change. Nothing of the transaction was kept then either.
            let down = r.status == 142 || said.contains("database connection failed")
            throw TBError(.ovs, "ovs-vsctl transaction failed, nothing was changed"
                          + (down ? " (is Open vSwitch running there? ovsdb-server and ovs-vswitchd must be)" : ""),
                          object: runner.location, cause: said)
        }
        return r.stderr
    }

    private func verify(_ changes: [OVSChange], vsctlStderr: String) async throws {
        guard changes.contains(where: { $0.ensuredBridge != nil || $0.ensuredPort != nil }) else { return }
        let failures = Verify.failures(of: changes, in: try await snapshot())
        guard !failures.isEmpty else { return }
        // The error below matters more than a failed cleanup, which it mentions instead.
        var removal: String? = nil
        do { _ = try await transact(try Verify.cleanup(failures).flatMap { try $0.vsctlCommands() }) } catch {
            removal = TBError.describe(error)
        }
        let needsModule = failures.contains { $0.port == nil && $0.datapath == .system }
        throw Verify.error(failures, location: runner.location, vsctlStderr: vsctlStderr,
                           kernelModule: needsModule ? await hasKernelModule() : nil, removalError: removal)
    }

    /// Whether the openvswitch kernel module is loaded (nil when that cannot be told).
    private func hasKernelModule() async -> Bool? {
        guard let r = try? await runner.run(["test", "-d", "/sys/module/openvswitch"]) else { return nil }
        return r.succeeded
    }
}
