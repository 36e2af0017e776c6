import Core
import Hosts
import Plan
import TestbedState
import Vocabulary

/// The small XML documents tbctl gives libvirt besides domains (those are artefacts).
enum LibvirtXML {
    static func pool(name: String, path: String) -> String {
        """
        <pool type='dir'>
          <name>\(esc(name))</name>
          <target><path>\(esc(path))</path><permissions><mode>0711</mode></permissions></target>
        </pool>
        """
    }

    /// A NAT network; the host is .1 (gateway and DNS). Guests get static addresses from their
    /// seed, and the same address from DHCP for images that ignore the seed's network config.
    static func managementNetwork(_ host: Host, guests: [Guest]) -> String {
        let subnet = Subnet(host.management.subnet)!
        let mask = IPv4(raw: subnet.mask)
        return """
        <network>
          <name>\(esc(host.management.network))</name>
          <forward mode='nat'/>
          <bridge name='\(esc(host.management.bridge))' stp='off' delay='0'/>
          <ip address='\(host.management.gateway)' netmask='\(mask)'>
            <dhcp>
        \(guests.map { "      " + dhcpHost(Inventory.DHCPHost($0)) }.joined(separator: "\n"))
            </dhcp>
          </ip>
        </network>
        """
    }

    static func dhcpHost(_ h: Inventory.DHCPHost) -> String {
        "<host mac='\(h.mac)' name='\(esc(h.name))' ip='\(h.ip)'/>"
    }

    static func esc(_ s: String) -> String { XMLEscape.attribute(s) }

    /// A raw volume of `bytes` to upload into.
    static func rawVolume(name: String, bytes: Int64) -> String {
        "<volume><name>\(esc(name))</name><capacity unit='bytes'>\(bytes)</capacity><target><format type='raw'/></target></volume>"
    }
}

extension LibvirtXML {
    /// A qcow2 overlay: `compat 1.1` (libvirt otherwise writes the 0.10 format) and an explicit
    /// backing format (never probed: probing a raw image is a known security hole).
    static func overlay(name: String, capacity: Int64, backingPath: String, backingFormat: ImageFormat) -> String {
        """
        <volume><name>\(esc(name))</name><capacity unit='bytes'>\(capacity)</capacity>
        <target><format type='qcow2'/><compat>1.1</compat></target>
        <backingStore><path>\(esc(backingPath))</path><format type='\(backingFormat.rawValue)'/></backingStore></volume>
        """
    }
}
