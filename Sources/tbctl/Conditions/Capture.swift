import Apply
import ArgumentParser
import Conditions
import Core
import Dispatch
import Foundation
import Project
import TestbedState

struct CaptureCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capture",
        abstract: "Capture the packets of a guest's NIC or of a whole network into a pcap file.",
        usage: "tbctl capture (<network> | <guest>:<network>) [-w <file>|-] [--duration <time>] [--filter <bpf>]",
        discussion: """
            tcpdump runs on the host that holds the guest's NIC (for a network: on every host \
            that carries it, each capturing the frames that enter the network there, so every \
            frame is in the file once) and the packets stream back as they are captured, over \
            the host's SSH session for a remote host: nothing is left on the hosts. The result \
            is one pcap file for tcpdump -r or Wireshark; `-w -` writes it to stdout \
            (`tbctl capture lan -w - | wireshark -k -i -`). It runs until --duration has passed \
            or Ctrl-C. The hosts need tcpdump.

            Examples:
              tbctl capture web-0:lan -w web0.pcap --duration 10s
              tbctl capture lan --filter 'icmp or arp' -w lan.pcap
              tbctl capture dmz -w - | tcpdump -r - -n
            """)

    @OptionGroup var options: ProjectOptions
    @Argument(help: ArgumentHelp("NETWORK, or GUEST:NETWORK (GUEST alone when it is on one network).", valueName: "target"))
    var target: String
    @Option(name: .customShort("w"), help: ArgumentHelp("The pcap file, or - for stdout (default: <target>.pcap).", valueName: "file"))
    var output: String?
    @Option(help: ArgumentHelp("Stop after this long (10s, 2m is not a unit: 120s).", valueName: "time")) var duration: String?
    @Option(help: ArgumentHelp("A tcpdump filter expression ('icmp and host 10.0.0.5').", valueName: "bpf")) var filter: String?

    func run() async throws {
        let project = Project(composeFile: options.file)
        let state = try TestbedState.load(from: project.workspace.stateFile)
        let what = try usage { try Resolver(state: state).captureTarget(target) }
        let seconds = try usage { try duration.map { Int((Double(try ConditionValue.duration($0, option: "--duration")) / 1e6).rounded(.up)) } }
        if seconds == 0 { throw ValidationError("--duration must be more than 0") }
        let path = output ?? what.defaultFile
        let sink = try PcapSink(path: path)
        let stopper = Capture.Stopper()
        signal(SIGPIPE, SIG_IGN)
        signal(SIGINT, SIG_IGN)
        let count = Locked(0)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler {
            if count.withLock({ $0 += 1; return $0 }) > 1 { Glibc.exit(130) }
            Task { await stopper.stop() }
        }
        source.resume()
        defer { source.cancel() }
        stderr("capturing \(what) into \(path == "-" ? "stdout" : path)"
               + (seconds.map { " for \($0) s" } ?? "") + " (Ctrl-C to stop)")
        let capture = Capture(state: state, workspace: project.workspace, connector: project.workspace.liveHosts)
        let summaries: [Capture.HostSummary]
        do {
            summaries = try await capture.run(what, seconds: seconds, filter: filter.map { [$0] } ?? [], stopper: stopper) { bytes in
                if !sink.write(bytes) { Task { await stopper.stop() } }
            }
        } catch let e as TBError {
            sink.discard()
            if e.code == .invalidInput { stderr("error: " + e.description); throw ExitCode(2) }
            throw e
        }
        try sink.close()
        for s in summaries {
            stderr("\(s.host): \(s.packets) packet\(s.packets == 1 ? "" : "s")" + (s.tcpdump.isEmpty ? "" : " (tcpdump: " + s.tcpdump.replacingOccurrences(of: "\n", with: "; ") + ")"))
        }
    }

}

/// Where the pcap goes: a file (written to a temporary name and renamed at the end, so a
/// file that exists is complete) or stdout. `write` is false once the reader has gone.
final class PcapSink: Sendable {
    let fd: Int32
    let path: String
    let tmp: String?
    let failed = Locked(false)

    init(path: String) throws {
        self.path = path
        if path == "-" { fd = STDOUT_FILENO; tmp = nil; return }
        let tmp = path + ".part"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw TBError(.io, "cannot write \(tmp): \(String(cString: strerror(errno)))") }
        self.fd = fd; self.tmp = tmp
    }

    func write(_ bytes: [UInt8]) -> Bool {
        guard !failed.current else { return false }
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { failed.withLock { $0 = true }; return false }
            offset += n
        }
        return true
    }

    /// A capture that failed leaves no file.
    func discard() {
        guard let tmp else { return }
        Glibc.close(fd)
        unlink(tmp)
    }

    func close() throws {
        guard let tmp else { return }
        Glibc.close(fd)
        if failed.current { unlink(tmp); throw TBError(.io, "cannot write \(tmp)") }
        guard rename(tmp, path) == 0 else { throw TBError(.io, "cannot rename \(tmp) to \(path): \(String(cString: strerror(errno)))") }
    }
}
