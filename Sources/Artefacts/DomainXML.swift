import Core
import TestbedState
import Vocabulary

/// The libvirt domain XML of a guest. The recipe is the one measured to boot under TCG on the
/// development machines (docs: shared/notes/test-environment.md); KVM hosts get the host CPU.
public enum DomainXML {
    public static func render(guest: Guest, host: Host, state: TestbedState) -> String {
        var x = "<domain type='\(host.accel == .tcg ? "qemu" : "kvm")'>\n"
        x += "  <name>\(XMLEscape.text(guest.domain))</name>\n"
        x += metadata(guest: guest, project: state.project)
        x += "  <memory unit='MiB'>\(guest.memoryMiB)</memory>\n"
        x += "  <vcpu>\(guest.cpus)</vcpu>\n"
        x += "  <os>\n    <type arch='x86_64' machine='pc'>hvm</type>\n    <boot dev='hd'/>\n  </os>\n"
        x += "  <features>\n    <acpi/>\n    <apic/>\n  </features>\n"
        x += cpu(host.accel)
        x += "  <clock offset='utc'/>\n"
        x += "  <on_poweroff>destroy</on_poweroff>\n  <on_reboot>restart</on_reboot>\n  <on_crash>destroy</on_crash>\n"
        x += "  <devices>\n"
        x += disks(guest: guest, poolPath: host.poolPath)
        x += "    <controller type='usb' model='none'/>\n"
        for nic in guest.nics { x += interface(nic, datapath: host.datapath) }
        x += console(domain: guest.domain)
        // pvpanic: a guest kernel with its driver tells QEMU it panicked, and libvirt emits
        // a CRASHED event and applies on_crash (destroy), so `up` sees the guest stop at once.
        x += "    <panic model='isa'>\n      <address type='isa' iobase='0x505'/>\n    </panic>\n"
        x += "    <memballoon model='none'/>\n"
        x += "  </devices>\n</domain>\n"
        return x
    }

    private static func metadata(guest: Guest, project: String) -> String {
        var attrs = "project='\(XMLEscape.attribute(project))' name='\(XMLEscape.attribute(guest.name))'"
        attrs += " role='\(guest.role.kind.rawValue)'"
        if let service = guest.role.service { attrs += " service='\(XMLEscape.attribute(service))'" }
        if let index = guest.role.index { attrs += " index='\(index)'" }
        return "  <metadata>\n    <tbctl:guest xmlns:tbctl='\(DomainMetadata.guestNamespace)' \(attrs)/>\n  </metadata>\n"
    }

    /// TCG cannot pass the host CPU through; qemu64 is the model measured to boot there.
    private static func cpu(_ accel: Accel) -> String {
        switch accel {
        case .tcg: "  <cpu mode='custom' match='exact' check='none'>\n    <model fallback='forbid'>qemu64</model>\n  </cpu>\n"
        case .kvm: "  <cpu mode='host-passthrough'/>\n"
        }
    }

    private static func disks(guest: Guest, poolPath: String) -> String {
        let disk = XMLEscape.attribute(volumePath(poolPath, guest.disk.volume))
        var x = """
                <disk type='file' device='disk'>
                  <driver name='qemu' type='qcow2' discard='unmap'/>
                  <source file='\(disk)'/>
                  <target dev='vda' bus='virtio'/>
                </disk>

            """
        // A guest whose image has no cloud-init (`seed: none`) gets no cdrom at all.
        guard let seedVolume = guest.seedVolume else { return x }
        let seed = XMLEscape.attribute(volumePath(poolPath, seedVolume))
        x += """
                <disk type='file' device='cdrom'>
                  <driver name='qemu' type='raw'/>
                  <source file='\(seed)'/>
                  <target dev='hdc' bus='ide'/>
                  <readonly/>
                </disk>

            """
        return x
    }

    private static func interface(_ nic: Guest.NIC, datapath: Datapath) -> String {
        let mac = "      <mac address='\(XMLEscape.attribute(nic.mac))'/>\n"
        let model = "      <model type='virtio'/>\n"
        // No iPXE option ROM: the guest boots from disk, and the ROM costs boot time under TCG.
        let rom = "      <rom enabled='no'/>\n"
        if nic.isManagement {
            return "    <interface type='network'>\n      <source network='\(XMLEscape.attribute(nic.attach))'/>\n"
                + mac + model + rom + "    </interface>\n"
        }
        var x = "    <interface type='bridge'>\n      <source bridge='\(XMLEscape.attribute(nic.attach))'/>\n"
        x += "      <virtualport type='openvswitch'/>\n" + mac + model
        x += "      <mtu size='\(nic.mtu)'/>\n"
        // The userspace datapath does not fill in offloaded TCP checksums: TCP fails, ping works.
        if datapath == .netdev { x += "      <driver name='qemu'>\n        <host csum='off'/>\n      </driver>\n" }
        return x + rom + "    </interface>\n"
    }

    /// Serial console on a pty, logged, so a guest that never reaches SSH can be diagnosed
    /// (`tbctl console --log`). The log is appended to: libvirt replaces it at every start
    /// otherwise, and the boot that failed is often the one before the restart.
    private static func console(domain: String) -> String {
        let log = XMLEscape.attribute(Names.serialLog(domain: domain))
        return """
                <serial type='pty'>
                  <log file='\(log)' append='on'/>
                  <target port='0'/>
                </serial>
                <console type='pty'>
                  <target type='serial' port='0'/>
                </console>

            """
    }

    static func volumePath(_ poolPath: String, _ volume: String) -> String {
        (poolPath.hasSuffix("/") ? poolPath : poolPath + "/") + volume
    }
}
