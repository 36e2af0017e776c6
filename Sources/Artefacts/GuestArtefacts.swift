import Core
import TestbedState

/// Everything one guest needs on its host: the NoCloud files, the seed ISO holding them, and
/// the domain XML. Pure: the caller supplies the files and the extra cloud-config.
public struct GuestArtefacts: Sendable, Equatable {
    public var metaData: String
    public var userData: String
    public var networkConfig: String
    public var seedISO: [UInt8]
    public var domainXML: String

    /// File names in the guest's artefact folder, with their bytes.
    public static let fileNames = ["meta-data", "user-data", "network-config", "seed.iso", "domain.xml"]
    public var files: [(name: String, bytes: [UInt8])] {
        [("meta-data", Array(metaData.utf8)), ("user-data", Array(userData.utf8)),
         ("network-config", Array(networkConfig.utf8)), ("seed.iso", seedISO), ("domain.xml", Array(domainXML.utf8))]
    }

    /// - Parameters:
    ///   - files: the guest's `write_files` (`GuestFiles.writeFiles`).
    ///   - extra: the user's extra cloud-config (`guest.userData` read as a tree), if any.
    public static func render(guest: Guest, state: TestbedState, projectSecret: [UInt8],
                              files: [WriteFile], extra: CloudConfigValue?) throws -> GuestArtefacts {
        guard let host = state.host(named: guest.host) else {
            throw TBError(.invalidInput, "host \(guest.host) is not in the state", object: "guest \(guest.name)")
        }
        guard guest.nics.contains(where: \.isManagement) else {
            throw TBError(.invalidInput, "no management NIC in the state", object: "guest \(guest.name)")
        }
        let hostKey = try GuestHostKey.derive(for: guest, projectSecret: projectSecret)
        let userData = try UserData.render(guest: guest, state: state, hostKey: hostKey, files: files, extra: extra)
        let networkConfig = NetworkConfig.render(guest: guest, host: host)
        let metaData = MetaData.render(guestName: guest.name, userData: userData, networkConfig: networkConfig)
        let seed = try ISO9660.image(volumeID: "cidata", files: [
            .init(name: "meta-data", contents: Array(metaData.utf8)),
            .init(name: "user-data", contents: Array(userData.utf8)),
            .init(name: "network-config", contents: Array(networkConfig.utf8)),
        ])
        return GuestArtefacts(metaData: metaData, userData: userData, networkConfig: networkConfig, seedISO: seed,
                              domainXML: DomainXML.render(guest: guest, host: host, state: state))
    }
}
