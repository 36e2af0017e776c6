import Core
import Foundation
import SSH
import Testing

@Suite("upload without sftp or scp", .sshd)
struct UploadTests {
    @Test func fiveMiBFileArrivesIntactWithItsMode() async throws {
        let sshd = try SSHD.require()
        let session = try await sshd.connect()
        let local = sshd.dir + "/local-5m.bin"
        try Data(Digest.randomBytes(5 << 20)).write(to: URL(fileURLWithPath: local))
        chmod(local, 0o640)
        let remote = sshd.dir + "/remote/nested/copy.bin"  // parents do not exist yet
        try await session.upload(file: local, to: remote)
        let sum = try await session.exec("sha256sum \(remote) | cut -d' ' -f1; stat -c %a \(remote)")
        #expect(sum.stdout == "\(try Digest.sha256Hex(fileAt: local))\n640\n")
        await session.close()
    }

    @Test func bytesWithExplicitModeReplaceAnExistingFile() async throws {
        let sshd = try SSHD.require()
        let session = try await sshd.connect()
        let remote = sshd.dir + "/dir with space/it's a script.sh"
        try await session.upload(Array("old\n".utf8), to: remote, mode: 0o600)
        try await session.upload(Array("#!/bin/sh\necho hi\n".utf8), to: remote, mode: 0o755)
        let r = try await session.exec("stat -c %a \(shellQuote(remote)); \(shellQuote(remote)); ls \(shellQuote(sshd.dir + "/dir with space")) | wc -l")
        #expect(r.stdout == "755\nhi\n1\n")  // no temporary file left behind
        await session.close()
    }

    @Test func emptyFileAndFailureReport() async throws {
        let sshd = try SSHD.require()
        let session = try await sshd.connect()
        try await session.upload([], to: sshd.dir + "/empty", mode: 0o644)
        #expect(try await session.exec("wc -c < \(sshd.dir)/empty").stdout == "0\n")
        try await session.upload([1], to: sshd.dir + "/plainfile")
        let error = await #expect(throws: TBError.self) {
            try await session.upload([1, 2, 3], to: sshd.dir + "/plainfile/below", mode: 0o644)
        }
        #expect(error?.code == .command)
        #expect(error?.description.contains("plainfile/below") == true)
        await session.close()
    }

    @Test func parallelUploadsAndExecsShareOneSession() async throws {
        let sshd = try SSHD.require()
        let session = try await sshd.connect()
        let payloads = (0..<6).map { _ in Digest.randomBytes(1 << 20) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (i, bytes) in payloads.enumerated() {
                group.addTask { try await session.upload(bytes, to: sshd.dir + "/par-\(i).bin", mode: 0o644) }
                group.addTask {
                    let out = try await session.exec("echo \(i)").stdout
                    #expect(out == "\(i)\n")
                }
            }
            try await group.waitForAll()
        }
        let sums = try await session.exec("cd \(sshd.dir) && sha256sum par-0.bin par-1.bin par-2.bin par-3.bin par-4.bin par-5.bin")
        let expected = payloads.enumerated().map { "\(Digest.sha256Hex($1))  par-\($0).bin\n" }.joined()
        #expect(sums.stdout == expected)
        await session.close()
    }

    /// A cancelled upload closes the command's stdin just like a finished one, and `cat` exits
    /// 0 on the part it got: the byte count keeps that part from being renamed into place.
    @Test func aCancelledUploadLeavesNoFile() async throws {
        let sshd = try SSHD.require()
        let session = try await sshd.connect()
        let local = sshd.dir + "/sparse-2g.bin"   // zeros on the wire, no disk or memory here
        #expect(FileManager.default.createFile(atPath: local, contents: nil))
        #expect(truncate(local, 2 << 30) == 0)
        let dir = sshd.dir + "/cancelled"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let upload = Task { try await session.upload(file: local, to: dir + "/big.bin") }
        // sshd is local, so its files are ours to look at: cancel once the copy has begun.
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(30)
        while try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty && clock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        upload.cancel()
        let outcome = await upload.result
        #expect(throws: CancellationError.self) { try outcome.get() }
        // The remote shell ends on its own once its stdin closed; it removes its temporary file.
        while try !FileManager.default.contentsOfDirectory(atPath: dir).isEmpty && clock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: dir)
        #expect(left == [], "\(left)")
        await session.close()
    }

    @Test func missingLocalFileIsAnIOError() async throws {
        let session = try await SSHD.require().connect()
        let error = await #expect(throws: TBError.self) { try await session.upload(file: "/nonexistent/x", to: "/tmp/x") }
        #expect(error?.code == .io)
    }
}
