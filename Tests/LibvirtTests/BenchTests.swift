import Foundation
import Testing
@testable import Libvirt

/// Timings for the report, not assertions: `TBCTL_LIBVIRT_BENCH=1 swift test --filter Bench`.
@Suite("Benchmarks on qemu:///system", .enabled(if: ProcessInfo.processInfo.environment["TBCTL_LIBVIRT_BENCH"] != nil))
struct BenchTests {
    private func time<T>(_ what: String, _ body: () async throws -> T) async rethrows -> T {
        let clock = ContinuousClock()
        let start = clock.now
        let result = try await body()
        print("BENCH \(what): \(clock.now - start)")
        return result
    }

    @Test func sparseTransfersOfOneGiB() async throws {
        let source = try await openSystem()
        let target = try await openSystem()
        let local = NSTemporaryDirectory() + uniqueName("bench")
        defer { try? FileManager.default.removeItem(atPath: local) }
        let length = 1 << 30
        // 8 MiB of data in 8 pieces spread over 1 GiB.
        try writeSparseFile(local, length: length, dataAt: (0..<8).map { $0 * 128 * MiB }, dataLength: MiB)
        let xml = """
            <volume><name>big.raw</name><capacity unit='bytes'>\(length)</capacity>
            <allocation>0</allocation><target><format type='raw'/></target></volume>
            """
        try await withDirPool(source) { pool, _ in
            let volume = try await time("create 1 GiB raw volume") { try await pool.createVolume(xml: xml) }
            let up = try await time("sparse upload 1 GiB (8 MiB data)") { try await volume.upload(fromFile: local) }
            print("BENCH   upload stats: \(up)")
            let back = local + ".down"
            defer { try? FileManager.default.removeItem(atPath: back) }
            let down = try await time("sparse download 1 GiB (8 MiB data)") { try await volume.download(toFile: back) }
            print("BENCH   download stats: \(down)")
            try await withDirPool(target) { other, _ in
                let copy = try await other.createVolume(xml: xml)
                let stats = try await time("copy 1 GiB (8 MiB data) between two connections") { try await volume.copy(to: copy) }
                print("BENCH   copy stats: \(stats)")
            }
        }
    }

    @Test func denseUploadOf256MiB() async throws {
        let connection = try await openSystem()
        let local = NSTemporaryDirectory() + uniqueName("dense")
        defer { try? FileManager.default.removeItem(atPath: local) }
        let length = 256 * MiB
        try writeSparseFile(local, length: length, dataAt: (0..<256).map { $0 * MiB }, dataLength: MiB)
        try await withDirPool(connection) { pool, _ in
            let volume = try await pool.createVolume(xml: """
                <volume><name>dense.raw</name><capacity unit='bytes'>\(length)</capacity>
                <allocation>0</allocation><target><format type='raw'/></target></volume>
                """)
            let stats = try await time("upload 256 MiB of dense data") { try await volume.upload(fromFile: local) }
            print("BENCH   upload stats: \(stats)")
        }
    }

    @Test func tenOverlays() async throws {
        let connection = try await openSystem()
        try await withDirPool(connection) { pool, dir in
            let base = dir + "/golden.qcow2"
            _ = try await run("/usr/bin/qemu-img", ["create", "-q", "-f", "qcow2", base, "2G"])
            try await pool.refresh()
            try await time("10 overlays, sequential") {
                for i in 0..<10 { _ = try await pool.createOverlay(named: "seq-\(i).qcow2", backingPath: base, backingFormat: "qcow2") }
            }
            try await time("10 overlays, concurrent") {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for i in 0..<10 {
                        group.addTask { _ = try await pool.createOverlay(named: "par-\(i).qcow2", backingPath: base, backingFormat: "qcow2") }
                    }
                    try await group.waitForAll()
                }
            }
            try await time("delete 20 volumes, sequential") {
                for volume in try await pool.volumes() where volume.name != "golden.qcow2" { try await volume.delete() }
            }
        }
    }

    @Test func connectionCosts() async throws {
        let connection = try await time("open qemu:///system") { try await openSystem() }
        try await time("100 domain lookups (missing), sequential") {
            for _ in 0..<100 { _ = try await connection.domain(named: "tbtest-missing") }
        }
        try await time("100 hostname calls, sequential") {
            for _ in 0..<100 { _ = try await connection.hostname() }
        }
        let test = try await openTestDriver()
        try await time("100 domain lookups (missing) on test:///default, sequential") {
            for _ in 0..<100 { _ = try await test.domain(named: "tbtest-missing") }
        }
        try await time("100 domain lookups (missing), concurrent") {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<100 { group.addTask { _ = try await connection.domain(named: "tbtest-missing") } }
                try await group.waitForAll()
            }
        }
    }
}
