import Core
import Foundation
import Glibc
import OVS

/// The local Open vSwitch for the live tests: started once if it is not running.
enum TestOVS {
    private static let started = Task<Void, any Error> { try await startIfNeeded() }

    static func require() async throws -> OVSSwitch {
        try await started.value
        return OVSSwitch(runner: LocalRunner())
    }

    private static func startIfNeeded() async throws {
        if try await Subprocess.run(["ovs-vsctl", "--timeout=5", "show"]).succeeded { return }
        // The daemons ovs-ctl starts inherit its open fds: our output pipes and whatever else
        // reaches a child (the test runner's socket does). A pipe a daemon holds open never
        // reaches end-of-file and the test hangs, so: every fd above 2 closed, output to a file.
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("ovs-ctl-\(tag()).log").path
        defer { try? FileManager.default.removeItem(atPath: log) }
        let script = #"cd /proc/$$/fd && for fd in *; do [ "$fd" -gt 2 ] && eval "exec $fd>&-"; done; cd /; "#
            + "exec /usr/share/openvswitch/scripts/ovs-ctl start --system-id=random >\(log) 2>&1 </dev/null"
        _ = try await Subprocess.run(["bash", "-c", script])   // dash cannot name fds above 9
        guard try await Subprocess.run(["ovs-vsctl", "--timeout=5", "show"]).succeeded else {
            throw TBError(.ovs, "Open vSwitch is not running and `ovs-ctl start` could not start it "
                          + "(these tests need openvswitch-switch installed and root)",
                          cause: (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
        }
    }

    /// A short random tag, so parallel tests never share a bridge, port or project name.
    static func tag() -> String { Digest.hex(Digest.randomBytes(3)) }

    /// Runs `body` with a fresh project name and deletes the project's bridges afterwards,
    /// also when `body` throws.
    static func withProject(_ body: (OVSSwitch, _ project: String, _ tag: String) async throws -> Void) async throws {
        let sw = try await require()
        let tag = tag()
        let project = "ovstest-\(tag)"
        do { try await body(sw, project, tag) } catch {
            try? await sw.deleteProject(project: project)
            throw error
        }
        try await sw.deleteProject(project: project)
    }

    /// Bridge names on the host right now (any project, tbctl's or not).
    static func bridgeNames() async throws -> Set<String> {
        Set(try await Subprocess.check(["ovs-vsctl", "list-br"]).split(whereSeparator: \.isNewline).map(String.init))
    }
}

/// ICMP echo through a raw socket (root), so the tests need no ping binary.
enum ICMP {
    /// True when `address` answers one echo request within `timeout`.
    static func ping(_ address: String, timeout: Double = 2) async throws -> Bool {
        try await blocking { try pingBlocking(address, timeout: timeout) }
    }

    private static func pingBlocking(_ address: String, timeout: Double) throws -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_RAW.rawValue), Int32(IPPROTO_ICMP))
        guard fd >= 0 else { throw TBError(.io, "raw ICMP socket: errno \(errno) (tests must run as root)") }
        defer { close(fd) }
        var tv = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var to = sockaddr_in()
        to.sin_family = sa_family_t(AF_INET)
        guard inet_pton(AF_INET, address, &to.sin_addr) == 1 else { throw TBError(.invalidInput, "bad address \(address)") }
        let id = UInt16.random(in: 1...UInt16.max)
        let packet = request(id: id)
        let sent = packet.withUnsafeBytes { buf in
            withUnsafePointer(to: &to) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, buf.baseAddress, buf.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        guard sent == packet.count else { throw TBError(.io, "sendto \(address): errno \(errno)") }
        let deadline = Date().addingTimeInterval(timeout)
        var reply = [UInt8](repeating: 0, count: 1500)
        while Date() < deadline {
            let n = recv(fd, &reply, reply.count, 0)
            guard n > 20 else { continue }
            // Raw sockets see every ICMP packet: match echo reply (type 0), our id and the source.
            let ihl = Int(reply[0] & 0x0f) * 4
            let source = reply[12..<16].map(String.init).joined(separator: ".")
            if n >= ihl + 8, reply[ihl] == 0, UInt16(reply[ihl + 4]) << 8 | UInt16(reply[ihl + 5]) == id, source == address {
                return true
            }
        }
        return false
    }

    private static func request(id: UInt16) -> [UInt8] {
        var p: [UInt8] = [8, 0, 0, 0, UInt8(id >> 8), UInt8(id & 0xff), 0, 1] + Array("tbctl-ovs-test".utf8)
        var sum: UInt32 = 0
        for i in stride(from: 0, to: p.count, by: 2) {
            sum += UInt32(p[i]) << 8 | UInt32(i + 1 < p.count ? p[i + 1] : 0)
        }
        while sum >> 16 != 0 { sum = (sum & 0xffff) + (sum >> 16) }
        let ck = ~UInt16(sum)
        p[2] = UInt8(ck >> 8); p[3] = UInt8(ck & 0xff)
        return p
    }
}
