import Core
import Foundation
import Testing

extension E2E {
/// A base image given by http(s) URL: downloaded once into the project's cache, verified
/// against the declared sha256 (a mismatch is refused and not kept), then imported as usual.
@Suite(.serialized) struct ImageSourceTests {
    @Test func imageFromHTTP() async throws {
        let port = 18_000 + Int(getpid() % 1000)
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        server.arguments = ["-m", "http.server", "--bind", "127.0.0.1", "\(port)", "--directory", Repo.root + "/images/out"]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer { server.terminate() }
        try await Task.sleep(for: .milliseconds(500))

        let lab = try TestLab(fixture: "urlimage")
        defer { lab.removeDir() }
        try await lab.tbctl("down", "--purge")
        try lab.replace("URL", with: "http://127.0.0.1:\(port)/tbctl-demo.qcow2")
        let sha = try Digest.sha256Hex(fileAt: Repo.demoImage)
        try lab.replace("SHA", with: String(repeating: "0", count: 64))

        let wrong = try await lab.tbctl("up")
        #expect(wrong.status == 1)
        #expect(wrong.stderr.contains("has sha256 \(sha), not the declared"), "\(wrong.stderr)")
        let cache = lab.workspace.path("cache")
        #expect((try? FileManager.default.contentsOfDirectory(atPath: cache))?.isEmpty ?? true, "a bad download is not kept")

        try lab.replace(String(repeating: "0", count: 64), with: sha)
        let up = try await lab.tbctl("up")
        #expect(up.status == 0, "\(up.stdout)\(up.stderr)")
        #expect(try await lab.ssh("solo", "hostname").stdout == "solo\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: cache).count == 1)
        #expect(try await lab.json(CLI.Apply.self, "up").document?.changed == false)
        #expect(try await lab.tbctl("down", "--purge").status == 0)
    }
}
}
