import Core
import Foundation
import Hosts
import TestbedState

extension Provisioner {
    /// Writes the testbed's record (docs/fleet.md) on every reachable host, before `up` changes
    /// anything there: a testbed half made is still found by `ls`, `reap` and `down --project`.
    /// Who made it and when stay as first recorded; the expiry is `--ttl` from now when given,
    /// else the recorded one, else (a new testbed) `ttl:` from now. Returns the hosts where it
    /// could not be written.
    func recordTestbed(_ hosts: HostSet, now: Double = Date().timeIntervalSince1970) async -> [String: TBError] {
        let connections = hosts.connections.sorted { $0.key < $1.key }
        let existing = await concurrentResults(connections) { try await $0.value.testbedRecord(project: state.project) }
        let old = existing.compactMap { try? $0.get() }.compactMap { $0 }.min { $0.created < $1.created }
        let expires: Double? = ttl.map { now + Double($0) } ?? (old.map(\.expires) ?? state.ttl.map { now + Double($0) })
        let record = TestbedRecord(project: state.project, owner: old?.owner ?? Self.owner, composeFile: state.composeFile,
                                   hosts: state.hosts, created: old?.created ?? now, expires: expires, local: state.isLocal)
        let results = await concurrentResults(connections) { try await $0.value.writeTestbedRecord(record) }
        var failures: [String: TBError] = [:]
        for ((name, _), r) in zip(connections, results) {
            if case .failure(let e) = r { failures[name] = e.asTBError(.ovs, "cannot record the testbed on host \(name)").about("host \(name)") }
        }
        if let expires { progress.line("testbed \(state.project) expires in \(Lifetime.format(Int(expires - now))) (`tbctl extend` gives it more, `tbctl reap` removes it once expired)") }
        return failures
    }

    /// user@machine of whoever runs tbctl.
    public static var owner: String {
        var buf = [CChar](repeating: 0, count: 256)
        let machine = gethostname(&buf, buf.count) == 0
            ? String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "unknown"
        let user = getpwuid(geteuid()).flatMap { String(validatingCString: $0.pointee.pw_name) } ?? String(geteuid())
        return "\(user)@\(machine)"
    }
}
