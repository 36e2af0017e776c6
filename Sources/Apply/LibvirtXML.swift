import Artefacts
import Core
import Hosts
import TestbedState

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
        \(guests.map { "      " + dhcpHost($0) }.joined(separator: "\n"))
            </dhcp>
          </ip>
        </network>
        """
    }

    static func dhcpHost(_ g: Guest) -> String {
        "<host mac='\(g.managementNIC.mac)' name='\(esc(g.name))' ip='\(g.managementIP)'/>"
    }

    /// mac -> normalised `<host …/>` entry, from a network's XML.
    static func dhcpHosts(in xml: String) -> [String: String] {
        var out: [String: String] = [:]
        for line in xml.split(separator: "\n") {
            let t = line.trimmingCharacters(in: .whitespaces)
            guard t.hasPrefix("<host "), let mac = DomainMetadata.attribute("mac", in: t),
                  let ip = DomainMetadata.attribute("ip", in: t) else { continue }
            out[mac] = "<host mac='\(mac)' name='\(esc(DomainMetadata.attribute("name", in: t) ?? ""))' ip='\(ip)'/>"
        }
        return out
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
    static func overlay(name: String, capacity: Int64, backingPath: String, backingFormat: String) -> String {
        """
        <volume><name>\(esc(name))</name><capacity unit='bytes'>\(capacity)</capacity>
        <target><format type='qcow2'/><compat>1.1</compat></target>
        <backingStore><path>\(esc(backingPath))</path><format type='\(esc(backingFormat))'/></backingStore></volume>
        """
    }
}
