import Plan
import TestbedState

/// What a failed action takes down with it: later actions that depend on it are skipped,
/// everything else goes on.
///
/// A guest's failure skips that guest's later actions; a host-wide action's failure (pool,
/// networks, OVS, an image import) skips everything on the host. A golden image's failure is
/// narrower: only the service's clones need it, so the host's other guests go on, and a build
/// that failed is never copied to other hosts (its half-made overlay would be recorded as
/// built there).
struct FailureScope: Sendable {
    private(set) var hosts: Set<String>
    private(set) var guests: Set<String> = []
    private(set) var services: Set<String> = []

    init(failedHosts: some Sequence<String>) { hosts = Set(failedHosts) }

    func skips(_ action: Action) -> Bool {
        if hosts.contains(action.host) { return true }
        if let g = action.guest, guests.contains(g) { return true }
        if case .copyGolden(let s, let from, _) = action, services.contains(s) || hosts.contains(from) { return true }
        return false
    }

    mutating func record(_ failed: Action, in state: TestbedState) {
        switch failed {
        case .buildGolden(let s, _):
            services.insert(s)
            guests.formUnion(state.service(named: s)?.clones ?? [])
        case .copyGolden(let s, _, let to):
            guests.formUnion(state.guests.filter { $0.role.service == s && $0.host == to }.map(\.name))
        default:
            if let g = failed.guest { guests.insert(g) } else { hosts.insert(failed.host) }
        }
    }
}
