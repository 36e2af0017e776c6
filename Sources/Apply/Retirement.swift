import Core
import Foundation
import Hosts
import TestbedState
import Workspace

extension Provisioner {
    /// Removes the project from the hosts that left the compose file (everything, as `down
    /// --purge` would: images are of no use there any more), then forgets them in state.json.
    /// A host that cannot be reached or cleaned stays retired, and its failure is returned:
    /// the next `up` or `down` tries again. Runs before the other work of `up`/`down`, which
    /// load the record of what is done after it.
    func retireHosts() async throws -> [String: TBError] {
        guard let retired = state.retiredHosts, !retired.isEmpty else { return [:] }
        let hosts = await HostSet.connect(retired, via: connector)
        let connections = hosts.connections.sorted { $0.key < $1.key }
        let results = try await hosts.closing { hosts in
            let context = try ApplyContext(state: state, workspace: workspace, hosts: hosts, progress: progress)
            return await concurrentResults(connections) { name, host in
                try await progress.task("remove project \(state.project) from host \(name), which left the compose file") {
                    try await HostTeardown(context: context, host: host).run(purge: true)
                }
            }
        }
        let why = "(removed from the compose file; what the project has there stays until this works)"
        var failures = hosts.failures.mapValues { $0.about(why) }
        var cleaned = Set<String>()
        for ((name, _), r) in zip(connections, results) {
            switch r {
            case .success: cleaned.insert(name)
            case .failure(let e): failures[name] = e.asTBError().about("host \(name) \(why)")
            }
        }
        if !cleaned.isEmpty { try forgetRetired(cleaned) }
        return failures
    }

    /// Drops cleaned hosts from state.json; the rest of it stays as compiled.
    private func forgetRetired(_ names: Set<String>) throws {
        var current = try TestbedState.load(from: workspace.stateFile)
        let left = (current.retiredHosts ?? []).filter { !names.contains($0.name) }
        current.retiredHosts = left.isEmpty ? nil : left
        try writeFile(workspace.stateFile, try current.encoded(), mode: 0o644)
    }
}
