import CLibvirt
import Core

extension Network {
    /// Adds or deletes one `<host mac=… name=… ip=…/>` DHCP entry, live and in the persistent
    /// definition, without restarting the network: a restart would detach every running guest.
    public func updateDHCPHost(_ hostXML: String, add: Bool) async throws {
        let command = add ? VIR_NETWORK_UPDATE_COMMAND_ADD_LAST : VIR_NETWORK_UPDATE_COMMAND_DELETE
        let live = try await isActive()
        let flags = VIR_NETWORK_UPDATE_AFFECT_CONFIG.rawValue | (live ? VIR_NETWORK_UPDATE_AFFECT_LIVE.rawValue : 0)
        try await run(add ? "cannot add DHCP host entry" : "cannot remove DHCP host entry") {
            virNetworkUpdate($0, command.rawValue, VIR_NETWORK_SECTION_IP_DHCP_HOST.rawValue, -1, hostXML, flags)
        }
    }
}
