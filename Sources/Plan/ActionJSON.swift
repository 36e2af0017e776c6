/// An action as `tbctl plan --format json` and `up`'s report print it (docs/cli.md): `kind`
/// is the case name, the other keys are its objects; absent when an action has none.
extension Action: Encodable {
    enum Keys: String, CodingKey { case kind, mark, summary, host, guest, service, image, from, to, volume, domain, reason, changes }

    public var kind: String {
        switch self {
        case .createPool: "createPool"
        case .createManagementNetwork: "createManagementNetwork"
        case .startManagementNetwork: "startManagementNetwork"
        case .updateDHCPHosts: "updateDHCPHosts"
        case .configureBridges: "configureBridges"
        case .importImage: "importImage"
        case .buildGolden: "buildGolden"
        case .copyGolden: "copyGolden"
        case .createDisk: "createDisk"
        case .copyDisk: "copyDisk"
        case .recreateDisk: "recreateDisk"
        case .uploadSeed: "uploadSeed"
        case .defineDomain: "defineDomain"
        case .stopDomain: "stopDomain"
        case .startDomain: "startDomain"
        case .waitReady: "waitReady"
        case .runSetup: "runSetup"
        case .removeDomain: "removeDomain"
        case .removeVolume: "removeVolume"
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(kind, forKey: .kind)
        try c.encode(String(mark), forKey: .mark)
        try c.encode(summary, forKey: .summary)
        try c.encode(host, forKey: .host)
        try c.encodeIfPresent(guest, forKey: .guest)
        switch self {
        case .configureBridges(_, let changes): try c.encode(changes, forKey: .changes)
        case .importImage(let image, _): try c.encode(image, forKey: .image)
        case .buildGolden(let service, _): try c.encode(service, forKey: .service)
        case .copyGolden(let service, let from, let to):
            try c.encode(service, forKey: .service)
            try c.encode(from, forKey: .from)
            try c.encode(to, forKey: .to)
        case .recreateDisk(_, _, let reason): try c.encode(reason, forKey: .reason)
        case .removeDomain(let domain, _): try c.encode(domain, forKey: .domain)
        case .removeVolume(let volume, _): try c.encode(volume, forKey: .volume)
        default: break
        }
    }
}
