import Apply
import Artefacts
import ComposeModel
import Core
import Foundation
import HostFakes
import Hosts
import Plan
import TestbedState
import TestSupport
import Workspace

/// A compiled testbed on disk (state.json, artefacts, a base image, scripts) whose hosts are
/// fakes: what `up`, `down` and `snapshot` do can be run and looked at without libvirt.
struct Testbed {
    let dir: String
    var state: TestbedState
    let workspace: Workspace
    let lab: FakeLab
    let output = Locked([String]())
    var lab0: Lab

    /// `configure` gets a one-host Lab (main) and the folder its files are in:
    /// `golden.sh`, `setup.sh` and the image `demo.qcow2` exist there.
    /// `sharing`: the hosts of another testbed (two testbeds side by side on one lab).
    init(sharing: FakeLab? = nil, _ configure: (inout Lab, String) -> Void) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("applytest-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Data([0x51, 0x46, 0x49, 0xfb] + Array(repeating: 7, count: 60)).write(to: URL(fileURLWithPath: dir + "/demo.qcow2"))
        try Data("echo golden\n".utf8).write(to: URL(fileURLWithPath: dir + "/golden.sh"))
        try Data("echo setup\n".utf8).write(to: URL(fileURLWithPath: dir + "/setup.sh"))
        var lab = Lab()
        lab.imageSource = dir + "/demo.qcow2"
        configure(&lab, dir)
        lab0 = lab
        workspace = Workspace(composeFile: dir + "/testbed.yaml")
        state = try Self.compile(lab, previous: nil, workspace: workspace)
        self.lab = sharing ?? FakeLab(state)
    }

    static func compile(_ lab: Lab, previous: TestbedState?, overrides: [String: Int] = [:],
                        workspace: Workspace) throws -> TestbedState {
        let state = try lab.compile(previous: previous, overrides: overrides, digest: { try Digest.sha256Hex(fileAt: $0) })
        try workspace.ensureRoot()
        try writeFile(workspace.stateFile, try state.encoded(), mode: 0o644)
        _ = try ArtefactWriter.write(state: state, projectSecret: Lab.key.seed, to: workspace.artefacts)
        return state
    }

    /// Compiles again after `change` (scale, a new guest): the hosts stay as they are.
    mutating func recompile(overrides: [String: Int] = [:], _ change: (inout Lab) -> Void = { _ in }) throws {
        change(&lab0)
        state = try Self.compile(lab0, previous: state, overrides: overrides, workspace: workspace)
    }

    var progress: Apply.Progress {
        Progress(verbose: true, tty: false, output: { [output] text in output.withLock { $0.append(text) } })
    }

    func provisioner() -> Provisioner {
        Provisioner(state: state, workspace: workspace, progress: progress, connector: lab)
    }

    func snapshots() -> Snapshots {
        Snapshots(state: state, workspace: workspace, progress: progress, connector: lab)
    }

    func up() async throws { try await provisioner().upLocked() }

    /// `up` with a boot policy (short stall windows for tests of progress and crashes).
    func up(_ policy: BootPolicy) async throws {
        var p = provisioner()
        p.bootPolicy = policy
        try await p.upLocked()
    }

    /// `up`, expected to fail: its error.
    func failingUp() async -> TBError? {
        do { try await up(); return nil } catch { return error.asTBError() }
    }

    var record: AppliedRecord { (try? ApplyContext.loadRecord(workspace)) ?? AppliedRecord() }

    /// Stage headings printed, in order ("disks", "start", ...).
    var stagesRun: [String] {
        output.current.compactMap { line in
            guard let r = line.range(of: "==> "), !line.contains("==> checking") else { return nil }
            return String(line[r.upperBound...].prefix { $0 != "(" }).trimmingCharacters(in: .whitespaces)
        }
    }

    func domain(_ guest: String, on host: String = "main") -> DomainRecord? {
        lab.host(host).domains[state.project + "-" + guest]
    }

    func remove() { try? FileManager.default.removeItem(atPath: dir) }

    /// One host: web, a service of two clones with a golden image; db, a guest with a setup script.
    static func webAndDB() throws -> Testbed {
        try Testbed { lab, dir in
            lab.guests = [Lab.guest("web", in: dir, replicas: 2, golden: true), Lab.guest("db", in: dir, setup: true)]
        }
    }
}

extension Lab {
    /// A guest with its setup script.
    static func guest(_ name: String, in dir: String, setup: Bool = false, replicas: Int? = nil, golden: Bool = false,
                      host: String? = nil, networks: [String] = ["lan"]) -> GuestSpec {
        var g = Lab.guest(name, networks: networks, replicas: replicas, golden: golden, host: host)
        if setup { g.setup = dir + "/setup.sh" }
        if golden { g.goldenSetup = dir + "/golden.sh" }
        return g
    }
}
