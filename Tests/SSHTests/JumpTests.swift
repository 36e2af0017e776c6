import Core
import Foundation
import SSH
import Testing

@Suite("proxied sessions through a jump session", .sshd)
struct JumpTests {
    private func proxied(through jump: SSHSession, _ sshd: SSHD) async throws -> SSHSession {
        try await SSHSession.connect(through: jump, host: "127.0.0.1", port: sshd.port, user: sshd.user, auth: sshd.auth,
                                     hostKey: sshd.exactHostKey, timeout: .seconds(10))
    }

    @Test func execThroughAJumpSession() async throws {
        let sshd = try SSHD.require()
        let jump = try await sshd.connect()
        let inner = try await proxied(through: jump, sshd)
        #expect(inner.endpoint.hasSuffix("via \(jump.endpoint)"))
        let r = try await inner.exec("echo $SSH_CONNECTION | cut -d' ' -f1; cat", stdin: Array("piped\n".utf8))
        #expect(r.stdout == "127.0.0.1\npiped\n")
        // The jump session keeps working alongside.
        #expect(try await jump.exec("echo outer").stdout == "outer\n")
        await inner.close()
        await jump.close()
    }

    @Test func tenProxiedSessionsAtOnceThroughOneJumpSession() async throws {
        let sshd = try SSHD.require()
        let jump = try await sshd.connect()
        let results = try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for i in 0..<10 {
                group.addTask {
                    let inner = try await proxied(through: jump, sshd)
                    // Uploads in parallel stress the pumps: many channels writing on one session.
                    let bytes = Digest.randomBytes(256 << 10)
                    let path = sshd.dir + "/guest-\(i).bin"
                    try await inner.upload(bytes, to: path, mode: 0o644)
                    let out = try await inner.exec("sha256sum \(path) | cut -d' ' -f1; echo guest-\(i)").stdout
                    await inner.close()
                    return (i, out == Digest.sha256Hex(bytes) + "\nguest-\(i)\n" ? "ok" : out)
                }
            }
            var all: [Int: String] = [:]
            for try await (i, out) in group { all[i] = out }
            return all
        }
        #expect(results.count == 10)
        for (i, out) in results { #expect(out == "ok", "guest \(i)") }
        await jump.close()
    }

    @Test func uploadThroughAJumpSession() async throws {
        let sshd = try SSHD.require()
        let jump = try await sshd.connect()
        let inner = try await proxied(through: jump, sshd)
        let bytes = Digest.randomBytes(3 << 20)
        let path = sshd.dir + "/proxied-upload.bin"
        try await inner.upload(bytes, to: path, mode: 0o600)
        #expect(try await inner.exec("sha256sum \(path) | cut -d' ' -f1").stdout == Digest.sha256Hex(bytes) + "\n")
        // Big output travels back through the tunnel too.
        let back = try await inner.exec("head -c 4000000 /dev/zero | tr '\\0' a")
        #expect(back.stdout.utf8.count == 4_000_000)
        await inner.close()
        await jump.close()
    }

    @Test func unreachableTargetFailsWithTheJumpHostsAnswer() async throws {
        let sshd = try SSHD.require()
        let jump = try await sshd.connect()
        let closed = try Listener(listening: false)
        defer { withExtendedLifetime(closed) {} }
        let port = closed.port
        let started = ContinuousClock.now
        let error = await #expect(throws: TBError.self) {
            try await SSHSession.connect(through: jump, host: "127.0.0.1", port: port, user: sshd.user, auth: sshd.auth,
                                         hostKey: sshd.exactHostKey, timeout: .seconds(20))
        }
        // The jump host's refusal is an answer: no waiting for the timeout.
        #expect(started.duration(to: .now) < .seconds(20))
        #expect(error?.code == .ssh)
        #expect(error?.message.contains("cannot reach 127.0.0.1:\(port)") == true)
        #expect(try await jump.exec("echo still fine").stdout == "still fine\n")
        await jump.close()
    }

    @Test func closingTheJumpSessionEndsTheInnerOne() async throws {
        let sshd = try SSHD.require()
        let jump = try await sshd.connect()
        let inner = try await proxied(through: jump, sshd)
        await jump.close()
        await #expect(throws: TBError.self) { try await inner.exec("true") }
        await inner.close()
    }
}

@Suite("a jump host that forbids forwarding", .sshd(config: "AllowTcpForwarding no"))
struct ForwardingRefusedTests {
    /// No retry can help: the refusal is the error (not a timeout after retries), and it says
    /// what to change on the host.
    @Test func refusalIsNotRetriedAndSaysWhatToChange() async throws {
        let sshd = try SSHD.require()
        let jump = try await sshd.connect()
        let error = await #expect(throws: TBError.self) {
            try await SSHSession.waitUntilReachable(host: "127.0.0.1", port: sshd.port, user: sshd.user, auth: sshd.auth,
                                                    hostKey: sshd.exactHostKey, through: jump, timeout: .seconds(60))
        }
        #expect(error?.code == .ssh, "\(String(describing: error))")
        #expect(error?.message.contains("set `AllowTcpForwarding yes`") == true, "\(String(describing: error))")
        await jump.close()
    }
}
