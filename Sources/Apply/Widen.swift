import Core
import Hosts

extension HostSet {
    /// Opens enough libvirt connections to each host for the calls about to run on it at once
    /// (`HostConnection.widen(for:)`; one host per call in `calls`) and says how many it has.
    func widen(for calls: [String], _ what: String, progress: Progress) async {
        for (name, n) in Dictionary(grouping: calls, by: { $0 }).mapValues(\.count).sorted(by: { $0.key < $1.key }) {
            guard let host = self[name] else { continue }
            let lanes = await host.widen(for: n)
            progress.detail("\(plural(lanes, "libvirt connection")) to \(name) for \(n) \(what)")
        }
    }
}
