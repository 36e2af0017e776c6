import Core
import Foundation
import Libvirt
import SSH
import TestbedState
import Workspace

/// Paths of the repository the tests run in.
enum Repo {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }   // Tests/E2ETests/Support/TestLab.swift
        return url.path
    }()
    /// The binary under test: $TBCTL_BIN when set (a build with its own --scratch-path),
    /// else the default debug build.
    static var tbctl: String { ProcessInfo.processInfo.environment["TBCTL_BIN"] ?? root + "/.build/debug/tbctl" }
    static var demoImage: String { root + "/images/out/tbctl-demo.qcow2" }
    static func fixture(_ name: String) -> String { root + "/Tests/E2ETests/Fixtures/" + name }

    /// Checked once per test run: a demo image older than its build script (say, a checkout
    /// moved on) makes tests fail for reasons that have nothing to do with what they test.
    static let demoImageProblem: String? = {
        let check = Process()
        check.executableURL = URL(fileURLWithPath: "/bin/bash")
        check.arguments = [root + "/images/build-demo-image.sh", "--check"]
        check.standardOutput = FileHandle.nullDevice
        check.standardError = FileHandle.nullDevice
        do { try check.run() } catch { return "cannot check the demo image: \(error)" }
        check.waitUntilExit()
        return check.terminationStatus == 0 ? nil
            : "\(demoImage) is missing or out of date: run images/build-demo-image.sh (scripts/test.sh does)"
    }()
}

/// A copy of a fixture lab in a temporary folder, driven through the real `tbctl` binary.
/// The lab keeps its fixed project name, so a run that crashed is cleaned by the next one.
struct TestLab {
    let dir: String
    var compose: String { dir + "/testbed.yaml" }
    var workspace: Workspace { Workspace(composeFile: compose) }

    init(fixture: String) throws { try self.init(folder: Repo.fixture(fixture), name: fixture) }

    /// A copy of a folder of compose-examples/.
    init(example: String) throws { try self.init(folder: Repo.root + "/compose-examples/" + example, name: example) }

    private init(folder: String, name fixture: String) throws {
        guard FileManager.default.isExecutableFile(atPath: Repo.tbctl) else {
            throw TBError(.notFound, "\(Repo.tbctl) is missing: run `swift build --product tbctl` (scripts/test.sh does) or set TBCTL_BIN")
        }
        if let problem = Repo.demoImageProblem { throw TBError(.notFound, problem) }
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("tbctl-e2e-\(fixture)-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.copyItem(atPath: folder, toPath: dir)
        let text = try String(contentsOfFile: compose, encoding: .utf8).replacingOccurrences(of: "IMAGE", with: Repo.demoImage)
        try text.write(toFile: compose, atomically: true, encoding: .utf8)
    }

    @discardableResult
    func tbctl(_ args: String...) async throws -> CommandResult {
        try await Subprocess.run([Repo.tbctl] + args + ["-f", compose])
    }

    /// `tbctl SUBCOMMAND -f COMPOSE ARGS...`: `-f` right after the subcommand, so it comes
    /// before a `--` (exec, ssh).
    func run(_ subcommand: String, _ args: String...) async throws -> CommandResult {
        try await Subprocess.run([Repo.tbctl, subcommand, "-f", compose] + args)
    }

    var state: TestbedState { get throws { try TestbedState.load(from: workspace.stateFile) } }

    func guest(_ name: String) throws -> Guest {
        guard let g = try state.guest(named: name) else { throw TBError(.notFound, "no guest \(name)") }
        return g
    }

    /// Each guest's boot time (`btime` of /proc/stat): it changes only when the guest restarts.
    func bootTimes(_ guests: [String]) async throws -> [String: String] {
        var out: [String: String] = [:]
        for g in guests { out[g] = try await ssh(g, "awk '/^btime/{print $2}' /proc/stat").stdout }
        return out
    }

    /// Runs a command in a guest the way a user of the lab would: SSH with the project key,
    /// accepting only the host key tbctl generated for the guest.
    /// A guest on a remote host is reached through that host, as tbctl does.
    func ssh(_ guest: String, _ command: String) async throws -> CommandResult {
        let g = try self.guest(guest)
        let blob = Array(Data(base64Encoded: String(g.hostKey.split(separator: " ")[1]))!)
        var jump: SSHSession?
        if let h = try state.host(named: g.host)?.ssh {
            jump = try await SSHSession.connect(host: h.address, port: h.port, user: h.user, auth: .privateKeyFile(h.identity),
                                                hostKey: .knownHosts(file: workspace.knownHosts), timeout: .seconds(20))
        }
        let session: SSHSession
        if let jump {
            session = try await SSHSession.connect(through: jump, host: g.managementIP, user: try state.user,
                                                   auth: .privateKeyFile(workspace.keyFile), hostKey: .exact(blob: blob), timeout: .seconds(20))
        } else {
            session = try await SSHSession.connect(host: g.managementIP, user: try state.user, auth: .privateKeyFile(workspace.keyFile),
                                                   hostKey: .exact(blob: blob), timeout: .seconds(20))
        }
        let r = try await session.exec(command)
        await session.close()
        await jump?.close()
        return r
    }

    /// Runs `tbctl up` (at most 10 minutes) and, once its output shows `marker`, calls `action`
    /// with the process group of the run (to kill it, say). Returns whether the marker came
    /// and what `up` printed. Pipes are read off the cooperative pool: a blocked read there
    /// would stall every other test of the process.
    func up(until marker: String, then action: @Sendable (_ processGroup: pid_t) async throws -> Void)
        async throws -> (sawMarker: Bool, result: CommandResult) {
        let p = Process()
        // `timeout` leads a process group of its own holding tbctl.
        p.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        p.arguments = ["600", Repo.tbctl, "up", "-f", compose]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let stdout = out.fileHandleForReading, stderr = err.fileHandleForReading
        let errors = Task { await blocking { stderr.readDataToEndOfFile() } }
        let seen = await blocking { () -> String in
            var seen = ""
            while !seen.contains(marker) {
                let chunk = stdout.availableData
                if chunk.isEmpty { break }
                seen += String(decoding: chunk, as: UTF8.self)
            }
            return seen
        }
        let sawMarker = seen.contains(marker)
        if sawMarker { try await action(p.processIdentifier) }
        let rest = await blocking { stdout.readDataToEndOfFile() }
        let errorText = String(decoding: await errors.value, as: UTF8.self)
        let status = await blocking { () -> Int32 in p.waitUntilExit(); return p.terminationStatus }
        return (sawMarker, CommandResult(status: status, stdout: seen + String(decoding: rest, as: UTF8.self), stderr: errorText))
    }

    /// Replaces a placeholder of the fixture's compose file.
    func replace(_ placeholder: String, with value: String) throws {
        let text = try String(contentsOfFile: compose, encoding: .utf8).replacingOccurrences(of: placeholder, with: value)
        try text.write(toFile: compose, atomically: true, encoding: .utf8)
    }

    func removeDir() { try? FileManager.default.removeItem(atPath: dir) }
}

/// What libvirt and OVS on this machine have of a project, asked the way a user would check.
struct Leftovers: Equatable, CustomStringConvertible {
    var domains: [String] = []
    var volumes: [String] = []
    var networks: [String] = []
    var bridges: [String] = []
    var pool = false

    static func of(project: String) async throws -> Leftovers {
        let lv = try await LibvirtConnection.open("qemu:///system")
        defer { Task { await lv.close() } }
        var out = Leftovers()
        out.domains = try await lv.allDomains().map(\.name).filter { $0.hasPrefix(project + "-") }.sorted()
        out.networks = try await lv.allNetworks().map(\.name).filter { $0.hasPrefix(project + "-") }
        if let pool = try await lv.storagePool(named: "tbctl-\(project)") {
            out.pool = true
            if try await pool.isActive() { out.volumes = try await pool.volumes().map(\.name).sorted() }
        }
        let br = try await Subprocess.run(["ovs-vsctl", "--format=csv", "--no-headings", "--columns=name,external_ids", "list", "Bridge"])
        out.bridges = br.stdout.split(separator: "\n").filter { line in
            // Exactly this project: `e2e` must not match `e2escale`.
            line.contains("tbctl-project=\(project),") || line.contains("tbctl-project=\(project)}")
                || line.contains("tbctl-project=\(project)\"")
        }.map { String($0.split(separator: ",")[0]) }
        return out
    }

    var description: String { "domains \(domains) volumes \(volumes) networks \(networks) bridges \(bridges) pool \(pool)" }
}
