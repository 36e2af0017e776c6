import Core
import Foundation
import SSH
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A real OpenSSH sshd on 127.0.0.1 for one test suite: its own directory, port, generated
/// ed25519 host key and an authorized client key. Started by the `.sshd` suite trait, which
/// kills it and removes its directory when the suite ends.
final class SSHD: Sendable {
    let dir: String
    let port: Int
    let hostKey: Ed25519Key
    let clientKey: Ed25519Key
    let clientKeyFile: String
    let user: String

    @TaskLocal static var current: SSHD?

    /// The running server of the current suite.
    static func require() throws -> SSHD { try #require(current, "suite needs the .sshd trait") }

    var auth: SSHAuth { .privateKeyFile(clientKeyFile) }
    var exactHostKey: HostKeyPolicy { .exact(blob: hostKey.publicBlob) }

    func connect(timeout: Duration = .seconds(30)) async throws -> SSHSession {
        try await SSHSession.connect(host: "127.0.0.1", port: port, user: user, auth: auth, hostKey: exactHostKey, timeout: timeout)
    }

    private init(dir: String, port: Int, hostKey: Ed25519Key, clientKey: Ed25519Key, user: String) {
        self.dir = dir
        self.port = port
        self.hostKey = hostKey
        self.clientKey = clientKey
        self.clientKeyFile = dir + "/client_ed25519"
        self.user = user
    }

    /// `extraConfig`: more sshd_config lines, e.g. "MaxSessions 3".
    static func start(extraConfig: String = "") throws -> SSHD {
        // The port was free a moment ago; a test running concurrently may take it first.
        var attempt = 0
        while true {
            attempt += 1
            do { return try start(extraConfig: extraConfig, port: try freePort()) } catch where attempt < 3 { continue }
        }
    }

    private static func start(extraConfig: String, port: Int) throws -> SSHD {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tbctl-sshd-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)  // privilege separation dir
        let hostKey = try Ed25519Key.generate()
        let clientKey = try Ed25519Key.generate()
        let user = String(cString: getpwuid(getuid())!.pointee.pw_name)
        try write(dir + "/host_ed25519", hostKey.privatePEM(comment: "test host"), mode: 0o600)
        try write(dir + "/client_ed25519", clientKey.privatePEM(comment: "test client"), mode: 0o600)
        try write(dir + "/authorized_keys", clientKey.publicLine(comment: "test client") + "\n", mode: 0o600)
        // sshd keeps the first value of a keyword: the suite's lines come first to win.
        try write(dir + "/sshd_config", """
            \(extraConfig)
            Port \(port)
            ListenAddress 127.0.0.1
            HostKey \(dir)/host_ed25519
            PidFile \(dir)/sshd.pid
            AuthorizedKeysFile \(dir)/authorized_keys
            StrictModes no
            UsePAM no
            PermitRootLogin prohibit-password
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            AllowTcpForwarding yes
            MaxStartups 100
            LogLevel ERROR
            # The login shell would source root's ~/.bashrc, whose tools (pyenv rehash) print
            # to stderr and race when twenty sessions start at once: give sessions an empty home.
            SetEnv HOME=\(dir)

            """, mode: 0o600)

        // sshd daemonizes (writing its PidFile) so no long-lived Foundation Process is involved.
        let started = try Subprocess.runBlocking(["/usr/sbin/sshd", "-f", dir + "/sshd_config", "-E", dir + "/sshd.log"])
        guard started.succeeded else { throw TBError(.internalError, "sshd did not start", cause: started.stderr) }
        let server = SSHD(dir: dir, port: port, hostKey: hostKey, clientKey: clientKey, user: user)
        try server.waitForListener()
        return server
    }

    func stop() {
        if let text = try? String(contentsOfFile: dir + "/sshd.pid", encoding: .utf8),
           let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
            kill(pid, SIGTERM)
        }
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// Test fixture only: polls until sshd accepts TCP connections.
    private func waitForListener() throws {
        for _ in 0..<250 {
            if SSHD.canConnect(port: port) { return }
            usleep(20_000)
        }
        let log = (try? String(contentsOfFile: dir + "/sshd.log", encoding: .utf8)) ?? ""
        throw TBError(.timeout, "sshd did not listen on port \(port)", cause: log)
    }

    static func canConnect(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = loopback(port: port)
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    /// A port nothing listens on right now.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = loopback(port: 0)
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw TBError(.io, "cannot bind a test port") }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        return addr
    }

    private static func write(_ path: String, _ text: String, mode: Int) throws {
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        chmod(path, mode_t(mode))
    }
}

/// Starts one sshd for the suite and makes it `SSHD.current` for its tests.
struct SSHDTrait: SuiteTrait, TestScoping {
    var extraConfig = ""

    func provideScope(for test: Test, testCase: Test.Case?,
                      performing function: @Sendable () async throws -> Void) async throws {
        // Off the cooperative pool: starting sshd and polling its port block for a while.
        let server = try await blocking { try SSHD.start(extraConfig: extraConfig) }
        defer { server.stop() }
        try await SSHD.$current.withValue(server) { try await function() }
    }
}

extension Trait where Self == SSHDTrait {
    static var sshd: Self { SSHDTrait() }
    static func sshd(config: String) -> Self { SSHDTrait(extraConfig: config) }
}
