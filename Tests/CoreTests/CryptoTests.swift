import Core
import Foundation
import Testing

@Suite struct CryptoTests {
    @Test func sha256OfKnownInput() {
        #expect(Digest.sha256Hex(Data("abc".utf8)) ==
                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func derivedKeysAreStableAndDistinct() throws {
        let secret = Array(repeating: UInt8(7), count: 32)
        let a = try Ed25519Key.derive(secret: secret, label: "hostkey:web-0")
        let b = try Ed25519Key.derive(secret: secret, label: "hostkey:web-0")
        let c = try Ed25519Key.derive(secret: secret, label: "hostkey:web-1")
        #expect(a == b)
        #expect(a != c)
    }

    /// ssh-keygen must accept our private key file and derive the same public key from it.
    @Test func opensshAcceptsOurPrivateKey() async throws {
        let key = try Ed25519Key.generate()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tbkey-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("id").path
        try key.privatePEM(comment: "t").write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o600)
        let out = try await Subprocess.check(["ssh-keygen", "-y", "-f", path])
        #expect(out.trimmingCharacters(in: .whitespacesAndNewlines) == key.publicLine(comment: "t"))
        #expect(try Ed25519Key.parsePEM(String(contentsOfFile: path, encoding: .utf8)) == key)
    }
}

@Suite struct BlockingTests {
    /// Twenty blocking calls are all in progress at the same time: each waits until it has seen
    /// the other nineteen start. With a pool that adds threads slowly (as Dispatch does once its
    /// workers block) they would give up waiting instead.
    @Test func blockedCallsRunAtOnce() async throws {
        let started = Locked(0)
        let sawAll = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    await blocking { () -> Bool in
                        started.withLock { $0 += 1 }
                        for _ in 0..<500 where started.current < 20 { usleep(10_000) }
                        return started.current == 20
                    }
                }
            }
            return try await group.reduce(true) { $0 && $1 }
        }
        #expect(sawAll)
    }
}
