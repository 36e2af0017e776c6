import Foundation
import Core
import Testing
@testable import Libvirt

/// Against the real daemon (qemu:///system): dir pools in temporary directories.
@Suite("Storage on qemu:///system")
struct QemuStorageTests {
    @Test func linkedCloneReportsItsBackingStore() async throws {
        let connection = try await openSystem()
        try await withDirPool(connection) { pool, dir in
            #expect(try await pool.path() == dir)
            let basePath = dir + "/base.qcow2"
            _ = try await run("/usr/bin/qemu-img", ["create", "-q", "-f", "qcow2", basePath, "64M"])
            try await pool.refresh()
            let base = try #require(try await pool.volume(named: "base.qcow2"))
            #expect(try await base.backingStorePath() == nil)

            let clone = try await pool.createOverlay(named: "clone.qcow2", backingPath: basePath, backingFormat: "qcow2")
            #expect(try await clone.path() == dir + "/clone.qcow2")
            #expect(try await clone.backingStorePath() == basePath)
            #expect(try await clone.info().capacity == UInt64(64 * MiB))
            let image = try await run("/usr/bin/qemu-img", ["info", "--output=json", dir + "/clone.qcow2"])
            #expect(image.contains("\"compat\": \"1.1\""))
            #expect(image.contains("\"backing-filename\": \"\(basePath)\""))

            let bigger = try await pool.createOverlay(named: "big.qcow2", backingPath: basePath, backingFormat: "qcow2", capacity: UInt64(128 * MiB))
            #expect(try await bigger.info().capacity == UInt64(128 * MiB))
            try await bigger.resize(to: UInt64(256 * MiB))
            #expect(try await bigger.info().capacity == UInt64(256 * MiB))
        }
    }

    /// The golden image flow: upload a local qcow2 image into a fresh volume, then clone it.
    @Test func uploadedQcow2BacksAClone() async throws {
        let connection = try await openSystem()
        let local = NSTemporaryDirectory() + uniqueName("golden") + ".qcow2"
        defer { try? FileManager.default.removeItem(atPath: local) }
        _ = try await run("/usr/bin/qemu-img", ["create", "-q", "-f", "qcow2", "-o", "compat=1.1", local, "32M"])
        _ = try await run("/usr/bin/qemu-io", ["-c", "write -P 0x5a 1M 64k", local])
        let size = try #require(try FileManager.default.attributesOfItem(atPath: local)[.size] as? Int)
        try await withDirPool(connection) { pool, dir in
            // Created as raw with the file's size: the upload writes the qcow2 bytes as they are,
            // and libvirt probes the format when it refreshes the volume after the upload.
            let golden = try await pool.createVolume(xml: """
                <volume><name>golden.qcow2</name><capacity unit='bytes'>\(size)</capacity>
                <allocation>0</allocation><target><format type='raw'/></target></volume>
                """)
            _ = try await golden.upload(fromFile: local)
            #expect(try await filesEqual(local, dir + "/golden.qcow2"))
            try await pool.refresh()
            let refreshed = try #require(try await pool.volume(named: "golden.qcow2"))
            #expect(try await refreshed.info().capacity == UInt64(32 * MiB))
            #expect(try await refreshed.xml().contains("<format type='qcow2'/>"))

            let clone = try await pool.createOverlay(named: "web-0.qcow2", backingPath: dir + "/golden.qcow2", backingFormat: "qcow2")
            #expect(try await clone.backingStorePath() == dir + "/golden.qcow2")
            let read = try await run("/usr/bin/qemu-io", ["-r", "-c", "read -P 0x5a 1M 64k", dir + "/web-0.qcow2"])
            #expect(read.contains("read 65536/65536 bytes"))
        }
    }

    @Test func sparseUploadAndDownload() async throws {
        let connection = try await openSystem()
        let local = NSTemporaryDirectory() + uniqueName("sparse")
        defer { try? FileManager.default.removeItem(atPath: local) }
        // 1 MiB of data, a 100 MiB hole, 1 MiB of data, then a 4 MiB trailing hole.
        let length = 106 * MiB
        try writeSparseFile(local, length: length, dataAt: [0, 101 * MiB], dataLength: MiB)
        try await withDirPool(connection) { pool, dir in
            let volume = try await pool.createVolume(xml: """
                <volume><name>disk.raw</name><capacity unit='bytes'>\(length)</capacity>
                <allocation>0</allocation><target><format type='raw'/></target></volume>
                """)
            let up = try await volume.upload(fromFile: local)
            #expect(up.dataBytes == UInt64(2 * MiB))
            #expect(up.totalBytes == UInt64(length))
            let remote = dir + "/disk.raw"
            #expect(try await filesEqual(local, remote))
            #expect(allocatedBytes(remote) < UInt64(8 * MiB))
            #expect(try await volume.info().allocation < UInt64(8 * MiB))

            let back = local + ".down"
            defer { try? FileManager.default.removeItem(atPath: back) }
            let down = try await volume.download(toFile: back)
            #expect(down.dataBytes < UInt64(8 * MiB))
            #expect(down.totalBytes == UInt64(length))
            #expect(try await filesEqual(local, back))
            #expect(allocatedBytes(back) < UInt64(8 * MiB))
        }
    }

    @Test func copyBetweenConnections() async throws {
        let source = try await openSystem()
        let target = try await openSystem()
        let local = NSTemporaryDirectory() + uniqueName("copy")
        defer { try? FileManager.default.removeItem(atPath: local) }
        let length = 64 * MiB
        try writeSparseFile(local, length: length, dataAt: [0, 10 * MiB, 63 * MiB], dataLength: 256 * 1024)
        let volumeXML = """
            <volume><name>golden.raw</name><capacity unit='bytes'>\(length)</capacity>
            <allocation>0</allocation><target><format type='raw'/></target></volume>
            """
        try await withDirPool(source) { sourcePool, sourceDir in
            let original = try await sourcePool.createVolume(xml: volumeXML)
            _ = try await original.upload(fromFile: local)
            try await withDirPool(target) { targetPool, targetDir in
                let copy = try await targetPool.createVolume(xml: volumeXML)
                let stats = try await original.copy(to: copy)
                #expect(stats.dataBytes < UInt64(4 * MiB))
                #expect(stats.totalBytes == UInt64(length))
                #expect(try await filesEqual(local, targetDir + "/golden.raw"))
                #expect(allocatedBytes(targetDir + "/golden.raw") < UInt64(4 * MiB))
                #expect(try await copy.info().allocation < UInt64(4 * MiB))
            }
            #expect(try await filesEqual(local, sourceDir + "/golden.raw"))
        }
    }

    @Test func uploadOfAMissingFileFailsWithThePath() async throws {
        let connection = try await openSystem()
        try await withDirPool(connection) { pool, _ in
            let volume = try await pool.createVolume(xml: """
                <volume><name>x.raw</name><capacity unit='MiB'>1</capacity><target><format type='raw'/></target></volume>
                """)
            let error = await #expect(throws: TBError.self) { _ = try await volume.upload(fromFile: "/nonexistent/x.raw") }
            #expect(error?.code == .io)
            #expect(error?.object == "/nonexistent/x.raw")
        }
    }

    @Test func capabilities() async throws {
        let connection = try await openSystem()
        #expect(connection.keepAliveEnabled)
        #expect(try await connection.domainCapabilities(virtType: "qemu").contains("<domainCapabilities>"))
        #expect(try await connection.version().hypervisor >= LibvirtVersion(major: 7, minor: 0, release: 0))
        #expect(try await connection.nodeInfo().cpus > 0)
    }
}
