@testable import Artefacts
import Core
import Foundation
import TestbedState
import Testing

@Suite struct UserDataTests {
    /// Computed independently (Python `cryptography`: HMAC-SHA256 seed, raw ed25519), so a change
    /// in the derivation cannot go unnoticed: the compiler records the same line.
    @Test func hostKeyDerivationMatchesAKnownLine() throws {
        let guest = try Fixture.guest("web-0")
        #expect(guest.hostKey == "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIApO2asyDRW9TAPJInD9j20g2lQaFOTPrOlF/CgbNxw/ web-0")
        let key = try GuestHostKey.derive(for: guest, projectSecret: Fixture.secret)
        #expect(key.publicLine(comment: "web-0") == guest.hostKey)
    }

    @Test func aHostKeyFromAnotherSecretIsRefused() throws {
        let guest = try Fixture.guest("web-0")
        let error = #expect(throws: TBError.self) {
            try GuestHostKey.derive(for: guest, projectSecret: Array(repeating: 8, count: 32))
        }
        #expect(error?.code == .hostKeyMismatch)
        #expect(error?.description.contains("guest web-0") == true)
    }

    @Test func rootLoginRendersExactly() throws {
        let guest = try Fixture.guest("db")
        let key = try GuestHostKey.derive(for: guest, projectSecret: Fixture.secret)
        let text = try UserData.render(guest: guest, state: Fixture.state(guests: [guest]), hostKey: key,
                                       files: [], extra: nil)
        let pem = key.privatePEM(comment: "db").split(separator: "\n").map { "    " + $0 }.joined(separator: "\n")
        #expect(text == """
            #cloud-config
            hostname: db
            disable_root: false
            ssh_pwauth: false
            ssh_authorized_keys:
              - \(Fixture.projectKey)
            ssh_deletekeys: true
            ssh_genkeytypes: []
            ssh_keys:
              ed25519_private: |
            \(pem)
              ed25519_public: \(guest.hostKey)

            """)
    }

    @Test func otherUsersGetAUsersEntryWithSudo() throws {
        let guest = try Fixture.guest("db")
        let key = try GuestHostKey.derive(for: guest, projectSecret: Fixture.secret)
        let text = try UserData.render(guest: guest, state: Fixture.state(user: "tb", guests: [guest]), hostKey: key,
                                       files: [], extra: nil)
        #expect(!text.contains("disable_root"))
        #expect(text.hasPrefix("#cloud-config\nhostname: db\nssh_pwauth: false\nssh_deletekeys: true\n"))
        #expect(text.hasSuffix("""
            users:
              - name: tb
                shell: /bin/sh
                sudo: ALL=(ALL) NOPASSWD:ALL
                ssh_authorized_keys:
                  - \(Fixture.projectKey)

            """))
    }

    @Test func envBecomesAQuotedProfileScript() async throws {
        let script = try #require(try GuestFiles.envScript(["ROLE": "db", "MOTD": "it's $HOME", "A_1": ""]))
        #expect(script.path == "/etc/profile.d/tbctl-env.sh")
        #expect(script.permissions == 0o644)
        #expect(String(decoding: script.content, as: UTF8.self) == """
            # Written by tbctl from the compose file's env.
            export A_1=''
            export MOTD='it'\\''s $HOME'
            export ROLE='db'

            """)
        let out = try await Fixture.run(["sh", "-c", ". /dev/stdin; printf '%s|%s' \"$MOTD\" \"$ROLE\""],
                                  stdin: String(decoding: script.content, as: UTF8.self))
        #expect(out == "it's $HOME|db")
        #expect(throws: TBError.self) { try GuestFiles.envScript(["BAD-NAME": "x"]) }
        #expect(try GuestFiles.envScript([:]) == nil)
    }

    @Test func writeFilesCarryPermissionsAndBase64Content() throws {
        let dir = Fixture.tempDir("files")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/site/css", withIntermediateDirectories: true)
        try "<h1>hi</h1>\n".write(toFile: dir + "/site/index.html", atomically: false, encoding: .utf8)
        try "body{}".write(toFile: dir + "/site/css/a.css", atomically: false, encoding: .utf8)
        try "#!/bin/sh\necho run\n".write(toFile: dir + "/run.sh", atomically: false, encoding: .utf8)
        chmod(dir + "/run.sh", 0o755)
        chmod(dir + "/site/index.html", 0o640)
        symlink(dir + "/run.sh", dir + "/site/link.sh")

        let guest = try Fixture.guest("web-0", files: [
            .init(source: dir + "/site", destination: "/srv/site"),
            .init(source: dir + "/run.sh", destination: "/usr/local/bin/run"),
            .init(source: dir + "/run.sh", destination: "/opt/"),
        ], env: ["ROLE": "web"])
        let files = try GuestFiles.writeFiles(for: guest, read: SourceTree.read)
        #expect(files.map(\.path) == ["/etc/profile.d/tbctl-env.sh", "/srv/site/css/a.css", "/srv/site/index.html",
                                      "/srv/site/link.sh", "/usr/local/bin/run", "/opt/run.sh"])
        #expect(files.map { UserData.octal($0.permissions) } == ["0644", "0644", "0640", "0755", "0755", "0755"])

        let key = try GuestHostKey.derive(for: guest, projectSecret: Fixture.secret)
        let text = try UserData.render(guest: guest, state: Fixture.state(guests: [guest]), hostKey: key,
                                       files: files, extra: nil)
        #expect(text.contains("""
            write_files:
              - path: /etc/profile.d/tbctl-env.sh
                permissions: '0644'
                encoding: b64
                content: \(Data(files[0].content).base64EncodedString())
              - path: /srv/site/css/a.css
                permissions: '0644'
                encoding: b64
                content: Ym9keXt9

            """))
    }

    @Test func missingOrUnusableSourcesNameTheGuestAndPath() throws {
        let dir = Fixture.tempDir("missing")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        symlink(dir + "/nowhere", dir + "/dangling")
        mkfifo(dir + "/fifo", 0o644)
        for (source, code, words) in [(dir + "/absent", TBError.Code.notFound, "does not exist"),
                                      (dir + "/dangling", .notFound, "link to nothing"),
                                      (dir + "/fifo", .invalidInput, "neither a file nor a folder")] {
            let guest = try Fixture.guest("web-3", files: [.init(source: source, destination: "/x")])
            let error = #expect(throws: TBError.self) { try GuestFiles.writeFiles(for: guest, read: SourceTree.read) }
            #expect(error?.code == code)
            #expect(error?.description.contains("guest web-3") == true)
            #expect(error?.description.contains(source) == true)
            #expect(error?.description.contains(words) == true)
        }
    }

    @Test func extraCloudConfigIsMergedAndMustBeAMap() throws {
        let guest = try Fixture.guest("db", userData: "/srv/lab/extra.yaml")
        let key = try GuestHostKey.derive(for: guest, projectSecret: Fixture.secret)
        let state = Fixture.state(guests: [guest])
        let text = try UserData.render(guest: guest, state: state, hostKey: key, files: [],
                                       extra: ["hostname": "evil", "runcmd": ["touch /x"], "ssh_pwauth": true])
        #expect(text.contains("hostname: db\n"))
        #expect(text.contains("ssh_pwauth: true\n"))
        #expect(text.hasSuffix("runcmd:\n  - touch /x\n"))
        let error = #expect(throws: TBError.self) {
            try UserData.render(guest: guest, state: state, hostKey: key, files: [], extra: ["a list"])
        }
        #expect(error?.description.contains("/srv/lab/extra.yaml") == true)
    }

    /// The host key must come out of cloud-init's parser intact, and OpenSSH must accept it.
    @Test(.enabled(if: PyYAML.available && Fixture.tool("ssh-keygen"))) func opensshAcceptsTheSeededHostKey() async throws {
        let guest = try Fixture.guest("web-0")
        let key = try GuestHostKey.derive(for: guest, projectSecret: Fixture.secret)
        let text = try UserData.render(guest: guest, state: Fixture.state(guests: [guest]), hostKey: key,
                                       files: [], extra: nil)
        let dir = Fixture.tempDir("hostkey")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try await Fixture.run(["python3", "-c", """
            import sys, yaml, os
            doc = yaml.safe_load(sys.stdin.read())
            fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT, 0o600)
            os.write(fd, doc['ssh_keys']['ed25519_private'].encode())
            """, dir + "/key"], stdin: text)
        let pub = try await Fixture.run(["ssh-keygen", "-y", "-f", dir + "/key"])
        #expect(pub.trimmingCharacters(in: .whitespacesAndNewlines) == guest.hostKey)
    }
}
