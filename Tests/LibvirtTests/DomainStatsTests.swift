import Foundation
import Testing
@testable import Libvirt

@Suite("Bulk domain statistics")
struct DomainStatsTests {
    /// The test driver reports only the state group; the others are left out, not an error.
    @Test func testDriverReportsStateOfEveryDomain() async throws {
        let connection = try await openTestDriver()
        let name = uniqueName("stats")
        let domain = try await connection.defineDomain(xml: testDomainXML(name))
        try await domain.start()
        defer { Task { try? await domain.destroy(); try? await domain.undefine() } }

        let records = try await connection.allDomainStats()
        let mine = try #require(records.first { $0.name == name })
        #expect(mine.numbers["state.state"] == 1)   // VIR_DOMAIN_RUNNING
        #expect(mine.id != nil)
        #expect(records.contains { $0.name == "test" })
    }

}

/// Needs qemu:///system, so it runs in tier 2 with the other `Qemu*` suites.
@Suite("Bulk domain statistics of a QEMU domain")
struct QemuDomainStatsTests {
    /// A real QEMU domain reports CPU time, vCPUs and its disk; a domain that is off has no id.
    @Test(.enabled(if: kernelForStats != nil, "needs a kernel in /boot"))
    func qemuDomainReportsCPUAndBlock() async throws {
        let connection = try await openSystem()
        try await withDirPool(connection) { pool, _ in
            let disk = try await pool.createVolume(xml: """
                <volume><name>disk.qcow2</name><capacity unit='MiB'>16</capacity>
                <target><format type='qcow2'/><compat>1.1</compat></target></volume>
                """)
            let name = uniqueName("stats")
            let domain = try await connection.defineDomain(xml: statsDomainXML(name, kernel: kernelForStats!, disk: try await disk.path()))
            do {
                let off = try #require(try await connection.allDomainStats().first { $0.name == name })
                #expect(off.id == nil && off.numbers["state.state"] == 5)   // VIR_DOMAIN_SHUTOFF
                try await domain.start()
                let on = try #require(try await connection.allDomainStats().first { $0.name == name })
                #expect(on.id != nil)
                #expect(on.numbers["state.state"] == 1)
                #expect((on.numbers["cpu.time"] ?? 0) > 0)
                #expect(on.numbers["vcpu.current"] == 1)
                #expect(on.numbers["block.count"] == 1)
                #expect(on.strings["block.0.name"] == "vda")
                #expect(on.numbers["balloon.maximum"] == 98_304.0)   // KiB
                try await domain.destroy()
                try await domain.undefine()
            } catch {
                try? await domain.destroy()
                try? await domain.undefine()
                throw error
            }
        }
    }
}

private let kernelForStats: String? = (try? FileManager.default.contentsOfDirectory(atPath: "/boot"))?
    .filter { $0.hasPrefix("vmlinuz-") }.sorted().last.map { "/boot/" + $0 }

private func statsDomainXML(_ name: String, kernel: String, disk: String) -> String {
    """
    <domain type='qemu'>
      <name>\(name)</name>
      <memory unit='MiB'>96</memory>
      <vcpu>1</vcpu>
      <os><type arch='x86_64' machine='pc'>hvm</type><kernel>\(kernel)</kernel><cmdline>console=ttyS0</cmdline></os>
      <cpu mode='custom' match='exact'><model fallback='forbid'>qemu64</model></cpu>
      <devices>
        <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='\(disk)'/><target dev='vda' bus='virtio'/></disk>
        <controller type='usb' model='none'/>
        <serial type='pty'/>
        <memballoon model='none'/>
      </devices>
    </domain>
    """
}
