import Apply
import Core
import Foundation
import Hosts
import TestbedState
import Workspace

/// `down --project` and `reap`: a testbed removed by name, from what the hosts recorded.
enum ProjectRemoval {
    /// Removes `project` from its hosts as `down` does. When its folder is still there (the
    /// record's compose file, compiled), that workspace is used, so the folder's own records
    /// (setup done, images uploaded, snapshots) stay true; else a scratch one, dropped after.
    static func down(_ project: String, results: [HostResult], connector: any HostConnector, purge: Bool,
                     progress: Apply.Progress, report: ApplyReport?) async throws {
        let record = Fleet.record(project, in: results)
        let hosts = Fleet.hosts(of: project, in: results)
        guard !hosts.isEmpty else {
            throw TBError(.notFound, "no host has testbed \(project) (`tbctl ls` lists the testbeds)", object: "testbed \(project)")
        }
        if let compose = record?.composeFile {
            let ws = Workspace(composeFile: compose)
            if let state = try? TestbedState.load(from: ws.stateFile), state.project == project {
                return try await run(Provisioner(state: state, workspace: ws, progress: progress, connector: connector), purge, report)
            }
        }
        let scratch = NSTemporaryDirectory() + "tbctl-down-\(project)-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let ws = Workspace(composeFile: scratch + "/testbed.yaml")
        try ws.ensureRoot()
        // A remote host's key was recorded in the project's known_hosts, gone with its folder:
        // it is then trusted on first contact again, in the scratch one.
        let reachable = hosts.map { h -> TestbedState.Host in
            guard let ssh = h.ssh, !FileManager.default.fileExists(atPath: h.knownHostsFile ?? "") else { return h }
            var out = h
            out.libvirtURI = TestbedState.Host.libvirtURI(ssh, knownHosts: ws.knownHosts)
            return out
        }
        let state = Fleet.remains(project: project, composeFile: record?.composeFile ?? "", hosts: reachable)
        try await run(Provisioner(state: state, workspace: ws, progress: progress, connector: connector), purge, report)
    }

    private static func run(_ p: Provisioner, _ purge: Bool, _ report: ApplyReport?) async throws {
        var provisioner = p
        provisioner.report = report
        try await Interrupt.cancellingOnSignal { [provisioner] in try await provisioner.down(purge: purge) }
    }
}
