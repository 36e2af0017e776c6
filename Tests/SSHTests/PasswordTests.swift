import Core
import Foundation
import SSH
import Testing

/// Password login (an appliance's `login: {password_file: ...}`) against a real sshd that
/// accepts passwords, for a throwaway user with a fresh random password (made as root; left in
/// place between runs, its password changed each time).
@Suite("connect: password login", .sshd(config: "PasswordAuthentication yes\nPermitRootLogin no"))
struct PasswordTests {
    static let user = "tbctlpw"

    /// The user exists with this new password.
    static func userWithNewPassword() async throws -> String {
        let password = "pw-" + UUID().uuidString
        if try await !Subprocess.run(["id", user]).succeeded {
            let made = try await Subprocess.run(["useradd", "--no-create-home", "--shell", "/bin/sh", user])
            #expect(made.succeeded, "\(made)")
        }
        let set = try await Subprocess.run(["chpasswd"], stdin: Data("\(user):\(password)\n".utf8))
        #expect(set.succeeded, "\(set)")
        return password
    }

    @Test(.enabled(if: getuid() == 0, "makes a user"))
    func aPasswordLogsInAndAWrongOneIsRefusedByName() async throws {
        let sshd = try SSHD.require()
        let password = try await Self.userWithNewPassword()
        let session = try await SSHSession.connect(host: "127.0.0.1", port: sshd.port, user: Self.user, auth: .password(password),
                                                   hostKey: sshd.exactHostKey, timeout: .seconds(30))
        #expect(try await session.exec("id -un").stdout == "\(Self.user)\n")
        await session.close()

        let error = await #expect(throws: TBError.self) {
            try await SSHSession.connect(host: "127.0.0.1", port: sshd.port, user: Self.user, auth: .password(password + "x"),
                                         hostKey: sshd.exactHostKey, timeout: .seconds(30))
        }
        #expect(error?.code == .ssh)
        #expect(error?.message.contains("authentication as \(Self.user) on 127.0.0.1:\(sshd.port) failed") == true, "\(String(describing: error))")
        #expect(error.map { "\($0)" }?.contains("the password") == true, "\(String(describing: error))")
    }
}
