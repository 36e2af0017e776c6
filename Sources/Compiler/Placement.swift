import ComposeModel
import TestbedState

/// Decides the host of every instance. Rules, in order:
/// 1. `host:` pins a guest (a golden builder follows its service's pin);
/// 2. a guest that already has a host in the previous state keeps it (no surprise moves);
/// 3. the rest go, in instance order, to the host with the most free memory relative to its
///    capacity (ties: fewer vCPUs per core, then host order). Deterministic by construction.
/// A golden builder without a pin goes where most of its clones are.
struct Placement {
    struct Load { var memoryMiB = 0; var cpus = 0 }

    let hosts: [TestbedState.Host]
    var load: [String: Load]
    var assigned: [String: String] = [:]
    var diagnostics: [Diagnostic] = []

    init(hosts: [TestbedState.Host]) {
        self.hosts = hosts
        self.load = Dictionary(uniqueKeysWithValues: hosts.map { ($0.name, Load()) })
    }

    mutating func place(_ instances: [Instance], previous: PreviousGuests) {
        let clones = instances.filter { $0.role.kind != .golden }
        for inst in clones { placeOne(inst, previous: previous) }
        for inst in instances where inst.role.kind == .golden {
            // The builder runs only while the golden image is made: it takes no capacity.
            assigned[inst.name] = inst.spec.host ?? busiestHost(for: inst.spec.name, among: clones)
        }
    }

    private mutating func placeOne(_ inst: Instance, previous: PreviousGuests) {
        if let pin = inst.spec.host { return take(inst, on: pin) }
        if let prev = previous[inst.name]?.host, load[prev] != nil,
           fits(inst, on: prev) {
            return take(inst, on: prev)
        }
        // The best host that fits, by index: `better` is a total order (host order breaks ties).
        var best: Int?
        for i in hosts.indices where fits(inst, on: i) {
            if let b = best, !better(i, than: b) { continue }
            best = i
        }
        guard let best else {
            diagnostics.append(Diagnostic(mark: inst.mark, path: "guests.\(inst.spec.name)",
                message: "guest `\(inst.name)` (\(inst.memoryMiB) MiB) does not fit on any host: declare more `memory:` on the hosts or lower the guests' memory"))
            return take(inst, on: hosts[0].name)
        }
        take(inst, on: hosts[best].name)
    }

    private func fits(_ inst: Instance, on host: String) -> Bool {
        guard let i = hosts.firstIndex(where: { $0.name == host }) else { return false }
        return fits(inst, on: i)
    }

    private func fits(_ inst: Instance, on i: Int) -> Bool {
        load[hosts[i].name, default: Load()].memoryMiB + inst.memoryMiB <= hosts[i].capacity.memoryMiB
    }

    /// Is host `a` a better host than host `b` for the next guest? (indices into `hosts`)
    private func better(_ ia: Int, than ib: Int) -> Bool {
        let a = hosts[ia].capacity, b = hosts[ib].capacity
        let la = load[hosts[ia].name]!, lb = load[hosts[ib].name]!
        let freeA = Double(a.memoryMiB - la.memoryMiB) / Double(a.memoryMiB)
        let freeB = Double(b.memoryMiB - lb.memoryMiB) / Double(b.memoryMiB)
        if freeA != freeB { return freeA > freeB }
        let cpuA = Double(la.cpus) / Double(a.cpus), cpuB = Double(lb.cpus) / Double(b.cpus)
        if cpuA != cpuB { return cpuA < cpuB }
        return ia < ib
    }

    private func busiestHost(for service: String, among clones: [Instance]) -> String {
        var count: [String: Int] = [:]
        for c in clones where c.role.service == service { count[assigned[c.name]!, default: 0] += 1 }
        var best = hosts[0].name
        for h in hosts where count[h.name, default: 0] > count[best, default: 0] { best = h.name }
        return best
    }

    private mutating func take(_ inst: Instance, on host: String) {
        assigned[inst.name] = host
        load[host, default: Load()].memoryMiB += inst.memoryMiB
        load[host, default: Load()].cpus += inst.spec.cpus
    }
}
