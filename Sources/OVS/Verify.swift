import Core
import OVSModel
import Vocabulary

/// Checks what a transaction really made. ovs-vsctl exits 0 even when ovs-vswitchd then fails
/// to create a bridge or port (e.g. `datapath_type=system` without the kernel module): the row
/// exists, but its interface has no ofport, or an `error`. Only reading back tells.
enum Verify {
    struct Failure: Sendable, Equatable {
        var bridge: String
        /// nil when the bridge itself failed.
        var port: String?
        var detail: String
        /// For a failed bridge: its datapath, to explain the `system`-without-module case.
        var datapath: Datapath?

        var what: String { port.map { "port \($0) on bridge \(bridge)" } ?? "bridge \(bridge)" }
    }

    /// Every bridge and port the changes create or re-configure must exist and work. Ports of a
    /// failed bridge are not listed separately: the bridge's failure explains them.
    static func failures(of changes: [OVSChange], in snapshot: [BridgeInfo]) -> [Failure] {
        let bridges = Dictionary(snapshot.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var failed: [Failure] = []
        var failedBridges: Set<String> = []
        for name in changes.compactMap(\.ensuredBridge) where !failedBridges.contains(name) {
            let b = bridges[name]
            if let b, b.isWorking { continue }
            failedBridges.insert(name)
            failed.append(Failure(bridge: name, port: nil,
                                  detail: b.map { OVSPlan.health($0.ofport, $0.error) } ?? "missing after the transaction",
                                  datapath: b?.datapath))
        }
        for (bridge, port) in changes.compactMap(\.ensuredPort) where !failedBridges.contains(bridge) {
            let p = bridges[bridge]?.port(port.name)
            if let p, p.isWorking { continue }
            failed.append(Failure(bridge: bridge, port: port.name,
                                  detail: p.map { OVSPlan.health($0.ofport, $0.error) } ?? "missing after the transaction"))
        }
        return failed
    }

    /// Removes what failed, so no half-made bridge or port is left for the next run to trip on:
    /// whole bridges when the bridge failed, else the port.
    static func cleanup(_ failures: [Failure]) -> [OVSChange] {
        let bridges = Set(failures.filter { $0.port == nil }.map(\.bridge))
        return bridges.sorted().map { .deleteBridge(name: $0) }
            + failures.compactMap { f in
                f.port.flatMap { bridges.contains(f.bridge) ? nil : .deletePort(bridge: f.bridge, port: $0) }
            }
    }

    /// The error for the caller: every failure, OVS's own words, and what to do.
    static func error(_ failures: [Failure], location: String, vsctlStderr: String, kernelModule: Bool?,
                      removalError: String? = nil) -> TBError {
        let list = failures.map { "\($0.what): \($0.detail)" }.joined(separator: "; ")
        var message = "Open vSwitch did not set up \(list)"
        message += removalError.map { " (and removing it failed: \($0))" } ?? " (removed again)"
        if failures.contains(where: { $0.port == nil && $0.datapath == .system }) {
            message += kernelModule == false
                ? ". Datapath `system` needs the openvswitch kernel module, which this host's kernel does not have: use `datapath: netdev` (the userspace datapath) for this host"
                : ". The bridge uses datapath `system` (the kernel module); if this host cannot load the openvswitch module, use `datapath: netdev` for it"
        }
        let said = vsctlStderr.split(whereSeparator: \.isNewline).map(String.init).joined(separator: "\n")
        return TBError(.ovs, message, object: location,
                       cause: said.isEmpty ? "ovs-vswitchd log on \(location) has the details" : said)
    }
}
