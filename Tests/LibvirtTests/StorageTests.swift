import Testing
@testable import Libvirt

@Suite("Storage pools and volumes (test driver)")
struct StorageTests {
    @Test func poolAndVolumeLifecycle() async throws {
        let connection = try await openTestDriver()
        let name = uniqueName("pool")
        let pool = try await connection.defineStoragePool(xml: """
            <pool type='dir'><name>\(name)</name><target><path>/\(name)</path></target></pool>
            """)
        #expect(try await !pool.isActive())
        try await pool.build()
        try await pool.create()
        try await pool.setAutostart(true)
        #expect(try await pool.isActive())
        #expect(try await pool.path() == "/\(name)")
        #expect(try await connection.storagePool(named: name)?.uuid == pool.uuid)
        #expect(try await connection.allStoragePools().map(\.name).contains(name))

        let volume = try await pool.createVolume(xml: """
            <volume><name>disk.img</name><capacity unit='MiB'>16</capacity></volume>
            """)
        #expect(volume.name == "disk.img")
        #expect(try await volume.path() == "/\(name)/disk.img")
        #expect(try await volume.info().capacity == UInt64(16 * MiB))
        #expect(try await pool.volumes().map(\.name) == ["disk.img"])
        #expect(try await pool.volume(named: "disk.img")?.key == volume.key)
        #expect(try await pool.volume(named: "missing.img") == nil)
        #expect(try await connection.storageVolume(path: "/\(name)/disk.img")?.name == "disk.img")

        try await pool.refresh()
        try await volume.delete()
        #expect(try await pool.volume(named: "disk.img") == nil)
        try await pool.destroy()
        try await pool.undefine()
        #expect(try await connection.storagePool(named: name) == nil)
    }

    @Test func overlayXMLAsksForCompat11AndNamesTheBackingFormat() {
        let xml = StorageVolume.overlayXML(name: "web-0.qcow2", capacity: 1 << 30, backingPath: "/p/golden & co.qcow2",
                                           backingFormat: "raw")
        #expect(xml.contains("<compat>1.1</compat>"))
        #expect(xml.contains("<target><format type='qcow2'/>"))
        #expect(xml.contains("<format type='raw'/></backingStore>"))
        #expect(xml.contains("<path>/p/golden &amp; co.qcow2</path>"))
        #expect(xml.contains("<capacity unit='bytes'>1073741824</capacity>"))
        #expect(!StorageVolume.overlayXML(name: "a", capacity: nil, backingPath: "/b", backingFormat: "qcow2").contains("capacity"))
    }
}
