import Core
import Foundation
import Hosts
import Plan
import TestbedState

/// The small XML documents tbctl gives libvirt besides domains (those are artefacts), and the
/// one it reads back (the management network's DHCP entries).
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
    static func managementNetwork(_ m: TestbedState.Host.Management, dhcpHosts: [Inventory.DHCPHost]) throws -> String {
        let ip = try m.hostAddress()
        return """
        <network>
          <name>\(esc(m.network))</name>
          <forward mode='nat'/>
          <bridge name='\(esc(m.bridge))' stp='off' delay='0'/>
          <ip address='\(ip.address)' netmask='\(ip.netmask)'>
            <dhcp>
        \(dhcpHosts.map { "      " + dhcpHost($0) }.joined(separator: "\n"))
            </dhcp>
          </ip>
        </network>
        """
    }

    static func dhcpHost(_ h: Inventory.DHCPHost) -> String {
        "<host mac='\(h.mac)' name='\(esc(h.name))' ip='\(h.ip)'/>"
    }

    /// A raw volume of `bytes` to upload into.
    static func rawVolume(name: String, bytes: Int64) -> String {
        "<volume><name>\(esc(name))</name><capacity unit='bytes'>\(bytes)</capacity><target><format type='raw'/></target></volume>"
    }

    static func snapshot(name: String, description: String) -> String {
        "<domainsnapshot><name>\(XMLEscape.text(name))</name><description>\(XMLEscape.text(description))</description></domainsnapshot>"
    }

    static func esc(_ s: String) -> String { XMLEscape.attribute(s) }

    /// The DHCP server's fixed addresses (`<host mac=… name=… ip=…/>` under `<dhcp>`).
    /// The first `<ip>` element's address and netmask (libvirt writes a prefix as a netmask
    /// only when the definition did: ours always do).
    static func hostAddress(in xml: String) -> NetworkAddress? {
        for line in xml.split(separator: "\n") {
            let t = line.trimmingCharacters(in: .whitespaces)
            guard t.hasPrefix("<ip "), let address = DomainMetadata.attribute("address", in: t) else { continue }
            return NetworkAddress(address: address, netmask: DomainMetadata.attribute("netmask", in: t) ?? "")
        }
        return nil
    }

    static func dhcpHosts(in xml: String) -> Set<Inventory.DHCPHost> {
        var out = Set<Inventory.DHCPHost>()
        for line in xml.split(separator: "\n") {
            let t = line.trimmingCharacters(in: .whitespaces)
            guard t.hasPrefix("<host "), let mac = DomainMetadata.attribute("mac", in: t),
                  let ip = DomainMetadata.attribute("ip", in: t) else { continue }
            out.insert(.init(mac: mac, name: DomainMetadata.attribute("name", in: t) ?? "", ip: ip))
        }
        return out
    }
}
