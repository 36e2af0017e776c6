import Plan

/// Reading the management NAT network's XML.
public enum ManagementNetworkXML {
    /// The DHCP server's fixed addresses (`<host mac=… name=… ip=…/>` under `<dhcp>`).
    public static func dhcpHosts(in xml: String) -> Set<Inventory.DHCPHost> {
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
