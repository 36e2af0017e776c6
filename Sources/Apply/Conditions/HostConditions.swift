import Conditions
import Core
import Hosts
import TestbedState

/// `ConditionsHost` over a host connection: its libvirt for live NICs and link state, its
/// Open vSwitch for partition flows, and a session to the guest (through the host's session
/// for remote hosts) for its qdiscs.
struct HostConditions: ConditionsHost {
    let connection: any HostConnection
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
        try await domain.updateDevice(xml: try LinkXML.withLink(nic.xml, up: up))
    }

    func partitionFlowCookies(bridge: String) async throws -> [UInt64]? {
        try await connection.ovs.flowCookies(bridge: bridge, matching: PartitionFlows.cookieMatch)
    }

    func replacePartitionFlows(bridge: String, bundle: String) async throws {
        try await connection.ovs.applyFlows(bridge: bridge, bundle)
    }

    /// The script goes as an argument of `sh -c`: a guest session takes a command line only.
    func runInGuest(_ guest: TestbedState.Guest, script: String) async throws -> String {
        let session = try await connection.guestSession(guest, user: user, keyFile: keyFile, timeout: .seconds(30))
        let result: CommandResult
        do {
            // Root or not is the login's: an appliance may log in as root where the project's user would sudo.
            result = try await session.exec(ShapingScript.command(user: guest.sessionUser(project: user), script: script), output: nil)
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
