import Conditions
import Core
import Hosts
import Libvirt
import TestbedState

/// `ConditionsHost` over a live host connection: libvirt's C API for live NICs and link
/// state, ovs-ofctl on the host's command runner for partition flows, and an SSH session to
/// the guest (through the host's session for remote hosts) for its qdiscs.
struct HostConditions: ConditionsHost {
    let connection: HostConnection
    let user: String
    let keyFile: String

    var name: String { connection.name }

    func liveNICs(_ guest: TestbedState.Guest) async throws -> [String: LiveNIC]? {
        guard let domain = try await connection.libvirt.domain(named: guest.domain), try await domain.isActive() else { return nil }
        return try LinkXML.nics(try await domain.xml())
    }

    func setLink(_ guest: TestbedState.Guest, _ nic: LiveNIC, up: Bool) async throws {
        guard let domain = try await connection.libvirt.domain(named: guest.domain) else {
            throw TBError(.notFound, "domain \(guest.domain) does not exist: run `tbctl up`")
        }
        try await domain.updateDevice(xml: try LinkXML.withLink(nic.xml, up: up), .live)
    }

    func partitionFlowCookies(bridge: String) async throws -> [UInt64]? {
        let exists = try await connection.runner.run(["ovs-vsctl", "--timeout=10", "br-exists", bridge])
        guard exists.status == 0 else {
            if exists.status == 2 { return nil }
            throw TBError(.ovs, "ovs-vsctl br-exists \(bridge) failed (exit \(exists.status))", object: connection.runner.location,
                          cause: exists.stderr)
        }
        let out = try await connection.runner.check(["ovs-ofctl", "--no-stats", "dump-flows", bridge, PartitionFlows.match], code: .ovs)
        return Self.cookies(out)
    }

    /// The `cookie=0x…` of each flow line of `ovs-ofctl dump-flows` (the header line has none).
    static func cookies(_ dump: String) -> [UInt64] {
        dump.split(separator: "\n").compactMap { line in
            guard let r = line.range(of: "cookie=0x") else { return nil }
            return UInt64(line[r.upperBound...].prefix { $0.isHexDigit }, radix: 16)
        }
    }

    func replacePartitionFlows(bridge: String, bundle: String) async throws {
        try await connection.runner.check(["ovs-ofctl", "--bundle", "add-flows", bridge, "-"], stdin: Array(bundle.utf8), code: .ovs)
    }

    func runInGuest(_ guest: TestbedState.Guest, script: String) async throws -> String {
        let session = try await connection.guestSession(guest, user: user, keyFile: keyFile, timeout: .seconds(30))
        let result: CommandResult
        do {
            result = try await session.exec(ShapingScript.command(user: user), stdin: Array(script.utf8))
            await session.close()
        } catch {
            await session.close()
            throw error
        }
        guard result.succeeded else {
            let said = result.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
            throw TBError(.command, said.isEmpty ? "the impairment script failed (exit \(result.status))" : said)
        }
        return result.stdout
    }
}
