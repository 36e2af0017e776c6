@testable import Artefacts
import Core
import Foundation
import TestbedState
import struct TestbedState.Host
import Testing
import Vocabulary

@Suite struct DomainXMLTests {
    @Test func tcgGuestOnANetdevHostRendersTheMeasuredRecipe() throws {
        let guest = try Fixture.guest("db", n: 3)
        let xml = DomainXML.render(guest: guest, host: Fixture.host(), state: Fixture.state(guests: [guest]))
        #expect(xml == """
            <domain type='qemu'>
              <name>lab-db</name>
              <metadata>
                <tbctl:guest xmlns:tbctl='https://tbctl.dev/xmlns/guest/1' project='lab' name='db' role='single'/>
              </metadata>
              <memory unit='MiB'>128</memory>
              <vcpu>1</vcpu>
              <os>
                <type arch='x86_64' machine='pc'>hvm</type>
                <boot dev='hd'/>
              </os>
              <features>
                <acpi/>
                <apic/>
              </features>
              <cpu mode='custom' match='exact' check='none'>
                <model fallback='forbid'>qemu64</model>
              </cpu>
              <clock offset='utc'/>
              <on_poweroff>destroy</on_poweroff>
              <on_reboot>restart</on_reboot>
              <on_crash>destroy</on_crash>
              <devices>
                <disk type='file' device='disk'>
                  <driver name='qemu' type='qcow2' discard='unmap'/>
                  <source file='/var/lib/libvirt/tbctl/lab/lab-db.qcow2'/>
                  <target dev='vda' bus='virtio'/>
                </disk>
                <disk type='file' device='cdrom'>
                  <driver name='qemu' type='raw'/>
                  <source file='/var/lib/libvirt/tbctl/lab/lab-db-seed.iso'/>
                  <target dev='hdc' bus='ide'/>
                  <readonly/>
                </disk>
                <controller type='usb' model='none'/>
                <interface type='network'>
                  <source network='tbctl-lab-mgmt'/>
                  <mac address='52:54:00:10:00:03'/>
                  <model type='virtio'/>
                  <rom enabled='no'/>
                </interface>
                <interface type='bridge'>
                  <source bridge='tb-lab-lan'/>
                  <virtualport type='openvswitch'/>
                  <mac address='52:54:00:20:00:03'/>
                  <model type='virtio'/>
                  <mtu size='1450'/>
                  <driver name='qemu'>
                    <host csum='off'/>
                  </driver>
                  <rom enabled='no'/>
                </interface>
                <serial type='pty'>
                  <log file='/var/log/libvirt/qemu/lab-db-serial.log' append='on'/>
                  <target port='0'/>
                </serial>
                <console type='pty'>
                  <target type='serial' port='0'/>
                </console>
                <panic model='isa'>
                  <address type='isa' iobase='0x505'/>
                </panic>
                <memballoon model='none'/>
              </devices>
            </domain>

            """)
    }

    @Test func kvmHostOnTheSystemDatapathGetsTheHostCPUAndOffloads() throws {
        let guest = try Fixture.guest("web-2", role: .clone("web", 2))
        let host = Fixture.host(accel: .kvm, datapath: .system)
        let xml = DomainXML.render(guest: guest, host: host, state: Fixture.state(hosts: [host], guests: [guest]))
        #expect(xml.hasPrefix("<domain type='kvm'>\n"))
        #expect(xml.contains("  <cpu mode='host-passthrough'/>\n"))
        #expect(!xml.contains("qemu64"))
        #expect(!xml.contains("csum"))
        #expect(xml.contains("project='lab' name='web-2' role='clone' service='web' index='2'/>"))
    }

    @Test func goldenBuildersNameTheirService() throws {
        let guest = try Fixture.guest("web-golden", role: .golden("web"))
        let xml = DomainXML.render(guest: guest, host: Fixture.host(), state: Fixture.state(guests: [guest]))
        #expect(xml.contains("role='golden' service='web'/>"))
        #expect(!xml.contains("index="))
    }

    @Test func namesAndPathsAreEscaped() throws {
        var guest = try Fixture.guest("db")
        guest.domain = "lab-<d&b>'s"
        guest.nics[1].attach = "br\"x'"
        var host = Fixture.host()
        host.poolPath = "/pools/a&b/"
        let xml = DomainXML.render(guest: guest, host: host, state: Fixture.state(hosts: [host], guests: [guest]))
        #expect(xml.contains("<name>lab-&lt;d&amp;b&gt;'s</name>"))
        #expect(xml.contains("<source bridge='br&quot;x&apos;'/>"))
        #expect(xml.contains("<source file='/pools/a&amp;b/lab-db.qcow2'/>"))
        #expect(xml.contains("file='/var/log/libvirt/qemu/lab-&lt;d&amp;b&gt;&apos;s-serial.log'"))
        #expect(XMLEscape.attribute("a\tb\n\u{1}") == "a&#9;b&#10;\u{FFFD}")
        #expect(XMLEscape.text("plain") == "plain")
    }

    @Test(.enabled(if: PyYAML.available)) func escapedDocumentsParseBackToTheOriginalValues() async throws {
        var guest = try Fixture.guest("db")
        guest.domain = "lab-<d&b>'s \"x\""
        let xml = DomainXML.render(guest: guest, host: Fixture.host(), state: Fixture.state(guests: [guest]))
        let name = try await Fixture.run(["python3", "-c", """
            import sys, xml.etree.ElementTree as ET
            d = ET.fromstring(sys.stdin.read())
            sys.stdout.write(d.find('name').text + '|' + d.find('devices/serial/log').get('file'))
            """], stdin: xml)
        #expect(name == "lab-<d&b>'s \"x\"|/var/log/libvirt/qemu/lab-<d&b>'s \"x\"-serial.log")
    }

    struct Case: Sendable, CustomStringConvertible {
        var accel: Accel, datapath: Datapath, role: Guest.Role
        var description: String { "\(accel)/\(datapath)/\(role.kind)" }
    }

    static let matrix: [Case] = [Accel.tcg, .kvm].flatMap { accel in
        [Datapath.netdev, .system].flatMap { datapath in
            [Guest.Role.single, .clone("web", 0), .golden("web")].map { Case(accel: accel, datapath: datapath, role: $0) }
        }
    }

    @Test(.enabled(if: Fixture.tool("virt-xml-validate") && Fixture.tool("xmllint")), arguments: matrix)
    func libvirtSchemaAccepts(_ c: Case) async throws {
        let (accel, datapath, role) = (c.accel, c.datapath, c.role)
        let guest = try Fixture.guest("web-0", role: role)
        let host = Fixture.host(accel: accel, datapath: datapath)
        let xml = DomainXML.render(guest: guest, host: host, state: Fixture.state(hosts: [host], guests: [guest]))
        let dir = Fixture.tempDir("xml")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try xml.write(toFile: dir + "/domain.xml", atomically: false, encoding: .utf8)
        let r = try await Subprocess.run(["virt-xml-validate", dir + "/domain.xml", "domain"])
        #expect(r.succeeded, "\(r.stdout)\(r.stderr)")
    }
}
