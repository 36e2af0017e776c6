import Core
import Foundation
import SSH
import Testing

/// Timings for the record, not assertions: run with TBCTL_SSH_BENCH=1.
@Suite("SSH timings", .sshd, .enabled(if: ProcessInfo.processInfo.environment["TBCTL_SSH_BENCH"] != nil))
struct BenchmarkTests {
    @Test func timings() async throws {
        let sshd = try SSHD.require()
        let clock = ContinuousClock()

        var connects: [Duration] = []
        for _ in 0..<10 {
            let t = clock.now
            let s = try await sshd.connect()
            connects.append(t.duration(to: clock.now))
            await s.close()
        }
        let session = try await sshd.connect()

        var roundTrips: [Duration] = []
        for _ in 0..<50 {
            let t = clock.now
            _ = try await session.exec("true")
            roundTrips.append(t.duration(to: clock.now))
        }

        let file = sshd.dir + "/bench-100m.bin"
        try Data(Digest.randomBytes(100 << 20)).write(to: URL(fileURLWithPath: file))
        var t = clock.now
        try await session.upload(file: file, to: sshd.dir + "/bench-copy.bin")
        let upload = t.duration(to: clock.now)

        var proxied: [Duration] = []
        for _ in 0..<10 {
            t = clock.now
            let inner = try await SSHSession.connect(through: session, host: "127.0.0.1", port: sshd.port, user: sshd.user,
                                                     auth: sshd.auth, hostKey: sshd.exactHostKey, timeout: .seconds(10))
            proxied.append(t.duration(to: clock.now))
            if proxied.count == 10 {
                t = clock.now
                try await inner.upload(file: file, to: sshd.dir + "/bench-copy2.bin")
                print("proxied upload 100 MiB: \(t.duration(to: clock.now)) = \(mibPerSecond(100, t.duration(to: clock.now))) MiB/s")
            }
            await inner.close()
        }
        print("connect+auth (median of 10): \(median(connects))")
        print("exec round trip `true` (median of 50): \(median(roundTrips))")
        print("upload 100 MiB: \(upload) = \(mibPerSecond(100, upload)) MiB/s")
        print("proxied connect+auth (median of 10): \(median(proxied))")
        await session.close()
    }

    private func median(_ values: [Duration]) -> Duration { values.sorted()[values.count / 2] }

    private func mibPerSecond(_ mib: Double, _ d: Duration) -> Int {
        Int(mib / (Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18))
    }
}
