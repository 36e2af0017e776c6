import Foundation
import Testing
@testable import Libvirt

/// A Debian kernel to boot: with no disk it panics looking for its root file system and then
/// idles, which is all a lifecycle test needs (and costs only a moment of TCG time).
private let kernel: String? = (try? FileManager.default.contentsOfDirectory(atPath: "/boot"))?
    .filter { $0.hasPrefix("vmlinuz-") }.sorted().last.map { "/boot/" + $0 }

private func kernelDomainXML(_ name: String, kernel: String, disk: String? = nil) -> String {
    let diskElement = disk.map {
        "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='\($0)'/><target dev='vda' bus='virtio'/></disk>"
    } ?? ""
    return """
    <domain type='qemu'>
      <name>\(name)</name>
      <memory unit='MiB'>96</memory>
      <vcpu>1</vcpu>
      <os>
        <type arch='x86_64' machine='pc'>hvm</type>
        <kernel>\(kernel)</kernel>
        <cmdline>console=ttyS0</cmdline>
      </os>
      <cpu mode='custom' match='exact'><model fallback='forbid'>qemu64</model></cpu>
      <devices>
        \(diskElement)
        <controller type='usb' model='none'/>
        <serial type='pty'/>
        <memballoon model='none'/>
      </devices>
    </domain>
    """
}

@Suite("Domains on qemu:///system (TCG)")
struct QemuDomainTests {
    @Test(.enabled(if: kernel != nil, "needs a kernel in /boot"))
    func lifecycleDrivenByEvents() async throws {
        let connection = try await openSystem()
        let name = uniqueName("tcg")
        let domain = try await connection.defineDomain(xml: kernelDomainXML(name, kernel: kernel!))
        do {
            let events = try await connection.lifecycleEvents()
            try await domain.start()
            try await connection.waitForState(name, .running, timeout: .seconds(30))
            try await domain.suspend()
            try await connection.waitForState(name, .paused, timeout: .seconds(10))
            try await domain.resume()

            // Pull the plug once the wait found the guest running: the wait ends on the event.
            try await connection.waitForState(name, .shutoff, timeout: .seconds(30)) {
                try await domain.destroy()
            }
            #expect(try await domain.state() == .shutoff)

            // QEMU adds events of its own: "resumed" before "started" (it boots the guest
            // paused, then continues it) and "shutdown" (host-requested) before "stopped".
            var kinds: [DomainLifecycleEvent.Kind] = []
            for await event in events where event.domainName == name {
                kinds.append(event.kind)
                if event.kind == .stopped { break }
            }
            #expect(kinds.filter { [.started, .suspended, .resumed, .stopped].contains($0) }
                        .drop { $0 == .resumed } == [.started, .suspended, .resumed, .stopped])
            try await domain.undefine()
        } catch {
            try? await domain.destroy()
            try? await domain.undefine()
            throw error
        }
    }
}

@Suite("Snapshots on qemu:///system (TCG)")
struct QemuSnapshotTests {
    /// An internal snapshot with memory keeps the guest running, and revert brings it back.
    @Test(.enabled(if: kernel != nil, "needs a kernel in /boot"))
    func internalSnapshotOfARunningGuest() async throws {
        let connection = try await openSystem()
        try await withDirPool(connection) { pool, _ in
            let disk = try await pool.createVolume(xml: """
                <volume><name>disk.qcow2</name><capacity unit='MiB'>16</capacity>
                <target><format type='qcow2'/><compat>1.1</compat></target></volume>
                """)
            let name = uniqueName("snap")
            let domain = try await connection.defineDomain(xml: kernelDomainXML(name, kernel: kernel!, disk: try await disk.path()))
            do {
                try await domain.start()
                let snapshot = try await domain.createSnapshot(xml: "<domainsnapshot><name>base</name></domainsnapshot>")
                #expect(try await domain.state() == .running)
                #expect(try await snapshot.isCurrent())
                #expect(try await snapshot.xml().contains("<state>running</state>"))
                #expect(try await domain.snapshots().map(\.name) == ["base"])
                try await domain.suspend()
                try await snapshot.revert(.running)
                #expect(try await domain.state() == .running)
                try await snapshot.delete()
                #expect(try await domain.snapshots().isEmpty)
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
