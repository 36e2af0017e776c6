import Core
import Foundation
import SSH
import Testing

@Suite("known_hosts format")
struct KnownHostsTests {
    let key1 = try! Ed25519Key.generate().publicBlob
    let key2 = try! Ed25519Key.generate().publicBlob

    private func b64(_ blob: [UInt8]) -> String { Data(blob).base64EncodedString() }

    @Test func hostTokensFollowOpenSSH() {
        #expect(KnownHostsFile.hostToken(host: "10.0.0.1", port: 22) == "10.0.0.1")
        #expect(KnownHostsFile.hostToken(host: "10.0.0.1", port: 2222) == "[10.0.0.1]:2222")
        #expect(KnownHostsFile.line(host: "h", port: 22, blob: key1) == "h ssh-ed25519 \(b64(key1))")
    }

    @Test func parsesWhatOpenSSHWritesAndSkipsTheRest() {
        let text = """
            # a comment

            rack2,10.77.0.12 ssh-ed25519 \(b64(key1)) root@rack2
            [10.77.0.13]:2222\tssh-ed25519\t\(b64(key2))\r
            |1|F1E1KeoE/eEWhi10WpGv4OdiO6Y=|3988QV0VE8wmZL7suNrYQLITLCg= ssh-ed25519 \(b64(key1))
            @revoked * ssh-ed25519 \(b64(key2))
            @cert-authority *.lab ssh-ed25519 \(b64(key1))
            broken-line-without-key
            host ssh-ed25519 !!!not-base64!!!
            """
        let entries = KnownHostsFile.parse(text)
        #expect(entries.map(\.line) == [3, 4, 5, 6, 7])
        #expect(entries[0].patterns == "rack2,10.77.0.12")
        #expect(entries[0].blob == key1)
        #expect(entries[1].blob == key2)
        #expect(entries[2].isHashed)
        #expect(entries[3].marker == "@revoked")
        #expect(entries[4].marker == "@cert-authority")
    }

    @Test func patternsMatchLikeOpenSSH() {
        func entry(_ patterns: String) -> KnownHostsFile.Entry {
            KnownHostsFile.Entry(line: 1, marker: nil, patterns: patterns, keyType: "ssh-ed25519", blob: key1)
        }
        #expect(entry("rack2,10.77.0.12").matches(host: "10.77.0.12", port: 22))
        #expect(entry("RACK2").matches(host: "rack2", port: 22))
        #expect(!entry("10.77.0.12").matches(host: "10.77.0.12", port: 2222))
        #expect(entry("[10.77.0.12]:2222").matches(host: "10.77.0.12", port: 2222))
        #expect(entry("10.77.*").matches(host: "10.77.0.12", port: 22))
        #expect(entry("10.77.0.1?").matches(host: "10.77.0.12", port: 22))
        #expect(!entry("10.77.*,!10.77.0.12").matches(host: "10.77.0.12", port: 22))
        #expect(!entry("|1|abc=|def=").matches(host: "10.77.0.12", port: 22))
    }

    @Test func verdicts() {
        let entries = KnownHostsFile.parse("""
            a ssh-ed25519 \(b64(key1))
            b ssh-ed25519 \(b64(key1))
            @revoked b ssh-ed25519 \(b64(key2))
            """)
        #expect(KnownHostsFile.verdict(for: key1, host: "a", port: 22, in: entries) == .known(entries[0]))
        #expect(KnownHostsFile.verdict(for: key2, host: "a", port: 22, in: entries) == .changed(recorded: [entries[0]]))
        #expect(KnownHostsFile.verdict(for: key2, host: "b", port: 22, in: entries) == .revoked(entries[2]))
        #expect(KnownHostsFile.verdict(for: key1, host: "c", port: 22, in: entries) == .unknown)
    }

    @Test func recordsOnFirstUseAppendingToAFileWithoutFinalNewline() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kh-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let file = KnownHostsFile(path: dir + "/known_hosts")
        try "other ssh-ed25519 \(b64(key2))".write(toFile: file.path, atomically: true, encoding: .utf8)
        #expect(try file.checkOrRecord(host: "h", port: 2200, blob: key1) == .unknown)
        #expect(try file.checkOrRecord(host: "h", port: 2200, blob: key1) == .known(try file.entries()[1]))
        #expect(try String(contentsOfFile: file.path, encoding: .utf8)
                == "other ssh-ed25519 \(b64(key2))\n[h]:2200 ssh-ed25519 \(b64(key1))\n")
    }

    @Test func fingerprintsLookLikeOpenSSHs() throws {
        // ssh-keygen -lf prints SHA256 fingerprints as unpadded base64 of the blob's digest.
        let fp = HostKeys.fingerprint(key1)
        #expect(fp.hasPrefix("SHA256:"))
        #expect(fp.count == 7 + 43)
        #expect(HostKeys.keyType(key1) == "ssh-ed25519")
        #expect(HostKeys.keyType([0, 0]) == "unknown")
    }
}
