import Core
import Foundation
import Hosts
import OVSModel
import TestbedState

/// One fake host: its libvirt, runner, switch and guest sessions all act on the lab's world.
public final class FakeHost: HostConnection {
    let lab: FakeLab
    public let spec: TestbedState.Host
    public let poolLock = AsyncMutex()

    init(lab: FakeLab, spec: TestbedState.Host) { self.lab = lab; self.spec = spec }

    public var libvirt: any Hypervisor { FakeHypervisor(lab: lab, host: spec.name) }
    public var runner: any CommandRunner { FakeRunner(lab: lab, host: spec.name) }
    public var ovs: any VirtualSwitch { FakeSwitch(lab: lab, host: spec.name) }

    /// Like the real host: one more connection per two calls beyond two (recorded, not opened).
    public func widen(for calls: Int) async -> Int {
        let lanes = max(1, (calls + 1) / 2)
        lab.with(spec.name) { $0.widenedFor = max($0.widenedFor, calls) }
        return lanes
    }

    public func lane() -> any Hypervisor { libvirt }

    /// A running guest answers at once; a guest whose domain does not run cannot be reached
    /// (the real wait would end in a timeout).
    public func guestSession(_ guest: Guest, user: String, keyFile: String,
                             timeout: Duration) async throws -> any GuestSession {
        try await lab.call(spec.name, "guest.connect", guest.name)
        guard guest.canLogIn else { throw GuestLoginError.none(guest) }
        // A silent guest (hung, panicked) never answers: the wait goes on until cancelled or
        // `timeout`, as the real one would.
        let end = ContinuousClock.now + timeout
        while lab.with(spec.name, { $0.silent.contains(guest.domain) }) && ContinuousClock.now < end {
            try await Task.sleep(for: .milliseconds(5))
        }
        let running = lab.with(spec.name) { $0.domains[guest.domain]?.state == .running && !$0.silent.contains(guest.domain) }
        guard running else {
            throw TBError(.ssh, "cannot reach guest over SSH", object: "guest \(guest.name) on host \(spec.name)",
                          cause: "\(user)@\(guest.managementIP) did not accept an SSH session within \(timeout)")
        }
        return FakeGuestSession(lab: lab, host: spec.name, guest: guest.name, domain: guest.domain)
    }

    /// A running guest's ports answer (the fake runs no servers to ask).
    public func canConnect(toGuest guest: Guest, port: Int, timeout: Duration) async -> Bool {
        (try? await lab.call(spec.name, "guest.probe", "\(guest.name):\(port)")) != nil
            && lab.with(spec.name) { $0.domains[guest.domain]?.state == .running }
    }

    /// Records the script; a capture on a fake host captures nothing (exit 0, no output).
    public func stream(script: String, output: @escaping @Sendable (StdStream, [UInt8]) -> Void) async throws -> CommandResult {
        try await lab.call(spec.name, "host.stream", String(script.prefix(40)))
        lab.with(spec.name) { $0.streamed.append(script) }
        return CommandResult(status: 0, stdout: "", stderr: "")
    }

    public func close() async { lab.with(spec.name) { $0.closed += 1 } }
}

/// A session to a guest: uploads land in the guest's files, commands are logged and answered
/// by the lab's exec responder (default: exit 0).
struct FakeGuestSession: GuestSession {
    let lab: FakeLab
    let host: String
    let guest: String
    let domain: String

    func exec(_ command: String, output: (@Sendable (StdStream, [UInt8]) -> Void)?) async throws -> CommandResult {
        try await lab.call(host, "guest.exec", guest)
        try running()
        lab.with(host) { $0.domains[domain]?.execs.append(command) }
        let result = lab.execResponder.current?(guest, command) ?? CommandResult(status: 0, stdout: "", stderr: "")
        // `poweroff` in a guest (tbctl's clean shutdown over SSH) stops it, as a real one would
        if result.succeeded && command.contains("poweroff") {
            lab.with(host) { h in
                guard var d = h.domains[domain], d.state == .running, !d.ignoresPoweroff else { return }
                d.state = .shutoff; d.live = [:]; d.linksDown = []
                h.domains[domain] = d.persistent ? d : nil
            }
        }
        if !result.stdout.isEmpty { output?(.stdout, Array(result.stdout.utf8)) }
        if !result.stderr.isEmpty { output?(.stderr, Array(result.stderr.utf8)) }
        return result
    }

    func upload(_ bytes: [UInt8], to path: String, mode: Int) async throws {
        try await lab.call(host, "guest.upload", guest)
        try running()
        lab.with(host) { $0.domains[domain]?.guestFiles[path] = bytes }
    }

    /// A running guest's ports answer (the fake runs no servers to ask).
    func canConnect(host: String, port: Int, timeout: Duration) async -> Bool {
        (try? running()) != nil
    }

    func close() async {}

    /// A guest that stopped (or vanished with its host) drops its session.
    private func running() throws {
        guard lab.with(host, { $0.domains[domain]?.state == .running }) else {
            throw TBError(.ssh, "channel failed: the guest is not running", object: "guest \(guest)")
        }
    }
}

/// Host commands tbctl runs: `mkdir -p`, `sha256sum` of a volume, `qemu-img info` of a disk.
/// Anything else exits 127, as an unknown program would.
struct FakeRunner: CommandRunner {
    let lab: FakeLab
    let host: String
    var location: String { "host \(host)" }

    func run(_ argv: [String], stdin: [UInt8]?) async throws -> CommandResult {
        try await lab.call(host, "runner.\(argv.first ?? "")", argv.last ?? "")
        let path = argv.last ?? ""
        switch argv.first {
        case "mkdir":
            lab.with(host) { _ = $0.dirs.insert(path) }
            return ok("")
        case "sha256sum":
            guard let file = lab.with(host, { $0.files[path] }) else { return fail("sha256sum: \(path): No such file or directory") }
            return ok("\(file.content)  \(path)\n")
        case "qemu-img" where argv.count > 1 && argv[1] != "info":
            return qemuImg(argv)
        case "rm":
            lab.with(host) { $0.files[path] = nil }
            return ok("")
        case "sh" where argv.count > 2 && argv[2] == ConsoleLogs.probeScript:
            return ok(consoleMarks(Array(argv.dropFirst(4))))
        case "sh" where argv.count > 2 && argv[2] == BootProbe.script:
            // The marks, then the neighbour table as `ip -4 neigh show` prints it.
            let table = lab.with(host) { h in
                for ip in h.flapping {
                    guard let entry = h.neighbours[ip] else { continue }
                    h.neighbours[ip] = (entry.mac, entry.state == "REACHABLE" ? "STALE" : "REACHABLE")
                }
                return h.neighbours
            }.sorted { $0.key < $1.key }
                .map { "neigh \($0.key) dev virbr1 lladdr \($0.value.mac) \($0.value.state)\n" }.joined()
            return ok(consoleMarks(Array(argv.dropFirst(4))) + table)
        case "tail":
            return ok(lab.with(host) { $0.consoles[path] } ?? "")
        case "qemu-img":
            guard let file = lab.with(host, { $0.files[path] }) else { return fail("qemu-img: Could not open '\(path)'") }
            let snaps = file.snapshots.sorted { $0.key < $1.key }
                .map { "{\"name\": \"\($0.key)\", \"vm-state-size\": \($0.value)}" }.joined(separator: ", ")
            return ok("{\"filename\": \"\(path)\", \"format\": \"\(file.format.rawValue)\", \"snapshots\": [\(snaps)]}\n")
        default:
            return CommandResult(status: 127, stdout: "", stderr: "\(argv.first ?? ""): command not found (not modelled by the fake host)")
        }
    }

    /// `qemu-img convert` (a full copy: the source's bytes, no backing file), `resize`,
    /// `compare` (equal when the copy was made from the source).
    private func qemuImg(_ argv: [String]) -> CommandResult {
        switch argv[1] {
        case "convert":
            let (from, to) = (argv[argv.count - 2], argv[argv.count - 1])
            guard let src = lab.with(host, { $0.files[from] }) else { return fail("qemu-img: Could not open '\(from)'") }
            lab.with(host) {
                $0.files[to] = VolumeFile(format: .qcow2, capacity: src.capacity, allocation: src.allocation,
                                          content: "full copy of \(from)")
            }
            return ok("")
        case "resize":
            let (to, size) = (argv[argv.count - 2], UInt64(argv[argv.count - 1]) ?? 0)
            guard lab.with(host, { $0.files[to] }) != nil else { return fail("qemu-img: Could not open '\(to)'") }
            lab.with(host) { $0.files[to]?.capacity = size }
            return ok("Image resized.\n")
        case "compare":
            let (from, to) = (argv[argv.count - 2], argv[argv.count - 1])
            let same = lab.with(host) { $0.files[to]?.content == "full copy of \(from)" }
            return same ? ok("Images are identical.\n") : CommandResult(status: 1, stdout: "Content mismatch\n", stderr: "")
        default:
            return CommandResult(status: 127, stdout: "", stderr: "qemu-img \(argv[1]): not modelled by the fake host")
        }
    }

    /// Size and panic mark of each console log (`<since> <path>` pairs), as the probe prints them.
    private func consoleMarks(_ args: [String]) -> String {
        lab.with(host) { h in
            stride(from: 0, to: args.count - 1, by: 2).map { i in
                let (since, p) = (Int(args[i]) ?? 0, args[i + 1])
                return (h.consoles[p].map { "\($0.utf8.count) \(String(decoding: $0.utf8.dropFirst(since), as: UTF8.self).contains("Kernel panic") ? 1 : 0) \(p)" }
                    ?? "-1 0 \(p)") + "\n"
            }.joined()
        }
    }

    private func ok(_ out: String) -> CommandResult { CommandResult(status: 0, stdout: out, stderr: "") }
    private func fail(_ err: String) -> CommandResult { CommandResult(status: 1, stdout: "", stderr: err) }
}
