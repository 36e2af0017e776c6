import TestbedState

/// The guest's `network-config` (v2): static addresses matched by MAC, NIC i named eth<i>, so
/// names do not depend on the order the guest kernel finds the devices in.
public enum NetworkConfig {
    public static func render(guest: Guest, host: Host) -> String {
        YAMLEmitter.render(document(guest: guest, host: host))
    }

    public static func document(guest: Guest, host: Host) -> CloudConfigValue {
        let ethernets = guest.nics.enumerated().map { i, nic in
            CloudConfigValue.Entry("eth\(i)", ethernet(nic, name: "eth\(i)", dns: host.management.gateway))
        }
        return ["version": 2, "ethernets": .map(ethernets)]
    }

    private static func ethernet(_ nic: Guest.NIC, name: String, dns: String) -> CloudConfigValue {
        var e: [CloudConfigValue.Entry] = [
            .init("match", ["macaddress": .string(nic.mac)]),
            .init("set-name", .string(name)),
            .init("addresses", [.string("\(nic.ip)/\(nic.prefix)")]),
            .init("mtu", .int(nic.mtu)),
        ]
        if let gateway = nic.gateway {
            // `to: default` would be shorter, but cloud-init 22.4 rejects it and then applies no network at all.
            e.append(.init("routes", [["to": "0.0.0.0/0", "via": .string(gateway)]]))
        }
        // The management network's gateway is the host's dnsmasq, which resolves for the guest.
        if nic.isManagement {
            e.append(.init("nameservers", ["addresses": [.string(dns)]]))
        }
        return .map(e)
    }
}
