import Core
import Foundation
import SSH
import Testing

@Suite("connect: host keys, auth, reachability", .sshd)
struct ConnectTests {
    @Test func exactHostKeyAcceptedWrongOneRefused() async throws {
        let sshd = try SSHD.require()
        let session = try await sshd.connect()
        #expect(session.hostKeyBlob == sshd.hostKey.publicBlob)
        await session.close()

        let other = try Ed25519Key.generate().publicBlob
        let error = await #expect(throws: TBError.self) {
            try await SSHSession.connect(host: "127.0.0.1", port: sshd.port, user: sshd.user, auth: sshd.auth,
                                         hostKey: .exact(blob: other), timeout: .seconds(30))
        }
        #expect(error?.code == .hostKeyMismatch)
        #expect(error?.description.contains(HostKeys.fingerprint(other)) == true)
        #expect(error?.description.contains(HostKeys.fingerprint(sshd.hostKey.publicBlob)) == true)
    }

    @Test func knownHostsRecordsThenAcceptsThenRefusesAChange() async throws {
        let sshd = try SSHD.require()
        let file = sshd.dir + "/kh-\(UUID().uuidString)/known_hosts"  // directory created on first use
        let policy = HostKeyPolicy.knownHosts(file: file)
        for _ in 0..<2 {
            let session = try await SSHSession.connect(host: "127.0.0.1", port: sshd.port, user: sshd.user, auth: sshd.auth,
                                                       hostKey: policy, timeout: .seconds(30))
            await session.close()
        }
        let recorded = try String(contentsOfFile: file, encoding: .utf8)
        #expect(recorded == KnownHostsFile.line(host: "127.0.0.1", port: sshd.port, blob: sshd.hostKey.publicBlob) + "\n")

        // The host "was reinstalled": the file holds another key for it.
        let old = try Ed25519Key.generate().publicBlob
        try (KnownHostsFile.line(host: "127.0.0.1", port: sshd.port, blob: old) + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let error = await #expect(throws: TBError.self) {
            try await SSHSession.connect(host: "127.0.0.1", port: sshd.port, user: sshd.user, auth: sshd.auth,
                                         hostKey: policy, timeout: .seconds(30))
        }
        #expect(error?.code == .hostKeyMismatch)
        let text = error?.description ?? ""
        #expect(text.contains(file))
        #expect(text.contains("[127.0.0.1]:\(sshd.port)"))
        #expect(text.contains(HostKeys.fingerprint(old)))
        #expect(text.contains(HostKeys.fingerprint(sshd.hostKey.publicBlob)))
        #expect(text.contains("ssh-keygen -R"))
    }

    @Test func concurrentFirstContactsRecordOneEntry() async throws {
        let sshd = try SSHD.require()
        let file = sshd.dir + "/kh-concurrent"
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<5 {
                group.addTask {
                    let s = try await SSHSession.connect(host: "127.0.0.1", port: sshd.port, user: sshd.user, auth: sshd.auth,
                                                         hostKey: .knownHosts(file: file), timeout: .seconds(30))
                    await s.close()
                }
            }
            try await group.waitForAll()
        }
        #expect(try KnownHostsFile(path: file).entries().count == 1)
    }

    @Test func inMemoryKeyAuthenticates() async throws {
        let sshd = try SSHD.require()
        let session = try await SSHSession.connect(host: "127.0.0.1", port: sshd.port, user: sshd.user,
                                                   auth: .privateKey(pem: sshd.clientKey.privatePEM(comment: "")),
                                                   hostKey: sshd.exactHostKey, timeout: .seconds(30))
        #expect(try await session.exec("echo ok").stdout == "ok\n")
        await session.close()
    }

    @Test func authFailureNamesUserAndHost() async throws {
        let sshd = try SSHD.require()
        let stranger = try Ed25519Key.generate()
        let error = await #expect(throws: TBError.self) {
            try await SSHSession.connect(host: "127.0.0.1", port: sshd.port, user: sshd.user,
                                         auth: .privateKey(pem: stranger.privatePEM(comment: "")),
                                         hostKey: sshd.exactHostKey, timeout: .seconds(30))
        }
        #expect(error?.code == .ssh)
        #expect(error?.message.contains("authentication as \(sshd.user) on 127.0.0.1:\(sshd.port) failed") == true)
    }

    /// A key file that cannot be read is the client's problem, said as such (not "the server
    /// did not accept it").
    @Test func unreadableKeyFileIsALocalError() async throws {
        let sshd = try SSHD.require()
        let error = await #expect(throws: TBError.self) {
            try await SSHSession.connect(host: "127.0.0.1", port: sshd.port, user: sshd.user,
                                         auth: .privateKeyFile(sshd.dir + "/no-such-key"),
                                         hostKey: sshd.exactHostKey, timeout: .seconds(30))
        }
        #expect(error?.code == .io, "\(String(describing: error))")
        #expect(error?.message.contains("cannot use key file \(sshd.dir)/no-such-key") == true, "\(String(describing: error))")
    }

    @Test func closedPortFailsFast() async throws {
        let sshd = try SSHD.require()
        let closed = try Listener(listening: false)
        defer { withExtendedLifetime(closed) {} }
        let port = closed.port
        let started = ContinuousClock.now
        let error = await #expect(throws: TBError.self) {
            try await SSHSession.connect(host: "127.0.0.1", port: port, user: sshd.user, auth: sshd.auth,
                                         hostKey: sshd.exactHostKey, timeout: .seconds(20))
        }
        // A refusal is an answer: it must not wait for the timeout.
        #expect(started.duration(to: .now) < .seconds(20))
        #expect(error?.code == .ssh)
        #expect(error?.message.contains("cannot connect to 127.0.0.1:\(port): connection refused") == true)
    }

    @Test func silentServerTimesOut() async throws {
        // A listener that accepts but never speaks SSH.
        let sshd = try SSHD.require()
        let listener = try Listener()
        let started = ContinuousClock.now
        let error = await #expect(throws: TBError.self) {
            try await SSHSession.connect(host: "127.0.0.1", port: listener.port, user: sshd.user, auth: sshd.auth,
                                         hostKey: sshd.exactHostKey, timeout: .milliseconds(500))
        }
        #expect(error?.code == .timeout)
        #expect(started.duration(to: .now) >= .milliseconds(500))
    }

    @Test func cancellingAConnectReturnsPromptly() async throws {
        let sshd = try SSHD.require()
        let listener = try Listener()
        let started = ContinuousClock.now
        let task = Task {
            try await SSHSession.connect(host: "127.0.0.1", port: listener.port, user: sshd.user, auth: sshd.auth,
                                         hostKey: sshd.exactHostKey, timeout: .seconds(30))
        }
        try await Task.sleep(for: .milliseconds(200))
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        // Cancellation ended it, not the timeout.
        #expect(started.duration(to: .now) < .seconds(30))
    }

    @Test func waitUntilReachableConnectsOnceSSHDListens() async throws {
        let sshd = try SSHD.require()
        let session = try await SSHSession.waitUntilReachable(host: "127.0.0.1", port: sshd.port, user: sshd.user, auth: sshd.auth,
                                                              hostKey: sshd.exactHostKey, timeout: .seconds(30))
        #expect(try await session.exec("echo up").stdout == "up\n")
        await session.close()
    }

    @Test func waitUntilReachableGivesUpAtTheDeadline() async throws {
        let sshd = try SSHD.require()
        let closed = try Listener(listening: false)
        defer { withExtendedLifetime(closed) {} }
        let port = closed.port
        let started = ContinuousClock.now
        let error = await #expect(throws: TBError.self) {
            try await SSHSession.waitUntilReachable(host: "127.0.0.1", port: port, user: sshd.user, auth: sshd.auth,
                                                    hostKey: sshd.exactHostKey, timeout: .seconds(6))
        }
        // 6 s, not less: on a loaded machine the first attempts must have time to be refused.
        let waited = started.duration(to: .now)
        #expect(waited >= .milliseconds(5900))
        #expect(error?.code == .timeout)
        #expect(error?.description.contains("connection refused") == true, "\(String(describing: error))")
    }

    @Test func waitUntilReachableDoesNotRetryAHostKeyMismatch() async throws {
        let sshd = try SSHD.require()
        let started = ContinuousClock.now
        let error = await #expect(throws: TBError.self) {
            try await SSHSession.waitUntilReachable(host: "127.0.0.1", port: sshd.port, user: sshd.user, auth: sshd.auth,
                                                    hostKey: .exact(blob: try Ed25519Key.generate().publicBlob), timeout: .seconds(30))
        }
        #expect(error?.code == .hostKeyMismatch)
        // A mismatch is final: no retrying until the deadline.
        #expect(started.duration(to: .now) < .seconds(30))
    }
}

/// A TCP listener on 127.0.0.1 whose connections sit in the backlog, never answered.
/// A TCP port on 127.0.0.1 held for one test: listening (it accepts and then says nothing), or
/// only bound, which refuses every connection. Held, unlike a port that was free a moment ago,
/// which a concurrent test may take meanwhile.
final class Listener: Sendable {
    let port: Int
    private let fd: Int32

    init(listening: Bool = true) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, len) == 0 && (!listening || listen(fd, 8) == 0) && getsockname(fd, $0, &len) == 0
            }
        }
        guard ok else {
            close(fd)
            throw TBError(.io, "cannot listen")
        }
        self.fd = fd
        port = Int(UInt16(bigEndian: addr.sin_port))
    }

    deinit { close(fd) }
}
