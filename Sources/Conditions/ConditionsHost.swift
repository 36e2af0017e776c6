import Core
import TestbedState

/// What applying conditions needs of one testbed host: its libvirt (live NICs, link state), its
/// Open vSwitch (partition flows) and a way into its guests (scripts as root). Apply's
/// `HostConditions` implements it over libvirt's C API, ovs-ofctl and SSH; the tests use a fake.
public protocol ConditionsHost: Sendable {
    var name: String { get }
    /// The running domain's NICs by MAC; nil when the guest's domain does not run.
    func liveNICs(_ guest: TestbedState.Guest) async throws -> [String: LiveNIC]?
    func setLink(_ guest: TestbedState.Guest, _ nic: LiveNIC, up: Bool) async throws
    /// The cookie of each of tbctl's partition flows on the bridge (`PartitionFlows.match`);
    /// nil when the host has no such bridge.
    func partitionFlowCookies(bridge: String) async throws -> [UInt64]?
    /// Replaces the bridge's partition flows in one transaction (`PartitionFlows.bundle`).
    func replacePartitionFlows(bridge: String, bundle: String) async throws
    /// Runs a shell script as root in the guest (see `ShapingScript.command`); its stdout,
    /// or an error naming the guest with the script's stderr.
    func runInGuest(_ guest: TestbedState.Guest, script: String) async throws -> String
}

/// Which parts of the testbed a change can affect: a command checks only those (one guest's
/// link, one guest's qdiscs), `up` and `snapshot restore` check everything conditions touch.
public struct ConditionsScope: Sendable, Equatable {
    /// Guests whose qdiscs are checked; nil: every guest that has or had some.
    public var guests: Set<String>?
    /// NICs whose link state is checked; nil: every NIC that is or was down.
    public var nics: Set<NICRef>?
    /// Whether partition flows are checked (on every host).
    public var flows: Bool

    public init(guests: Set<String>? = [], nics: Set<NICRef>? = [], flows: Bool = false) {
        self.guests = guests; self.nics = nics; self.flows = flows
    }

    public static let everything = ConditionsScope(guests: nil, nics: nil, flows: true)

    /// Everything conditions touch on these guests (after a snapshot restore of them).
    public static func guests(_ names: Set<String>, state: TestbedState) -> ConditionsScope {
        let nics = state.userGuests.filter { names.contains($0.name) }
            .flatMap { g in g.nics.filter { !$0.isManagement }.map { NICRef(guest: g.name, network: $0.network) } }
        return ConditionsScope(guests: names, nics: Set(nics), flows: false)
    }
}
