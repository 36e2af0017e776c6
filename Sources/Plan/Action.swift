import TestbedState

/// One change `up` or `down` makes. Each names its host and object so progress and errors can.
public enum Action: Sendable, Equatable {
    case createPool(host: String)
    case createManagementNetwork(host: String)
    case startManagementNetwork(host: String)
    case updateDHCPHosts(host: String)
    case configureBridges(host: String, changes: [String])
    case importImage(image: String, host: String)
    case buildGolden(service: String, host: String)
    case copyGolden(service: String, from: String, to: String)
    case createDisk(guest: String, host: String)
    /// `disk: {copy: full}`: a full copy of the image, made on the guest's host.
    case copyDisk(guest: String, host: String)
    case recreateDisk(guest: String, host: String, reason: String)
    case uploadSeed(guest: String, host: String)
    case defineDomain(guest: String, host: String)
    case stopDomain(guest: String, host: String)
    case startDomain(guest: String, host: String)
    case waitReady(guest: String, host: String)
    case runSetup(guest: String, host: String)
    case removeDomain(domain: String, host: String)
    case removeVolume(volume: String, host: String)

    public var host: String {
        switch self {
        case .createPool(let h), .createManagementNetwork(let h), .startManagementNetwork(let h), .updateDHCPHosts(let h),
             .configureBridges(let h, _): h
        case .importImage(_, let h), .buildGolden(_, let h), .copyGolden(_, _, let h), .createDisk(_, let h), .copyDisk(_, let h),
             .recreateDisk(_, let h, _), .uploadSeed(_, let h), .defineDomain(_, let h), .stopDomain(_, let h), .startDomain(_, let h),
             .waitReady(_, let h), .runSetup(_, let h), .removeDomain(_, let h), .removeVolume(_, let h): h
        }
    }

    /// The guest an action is about, if any (a failed action skips the guest's later actions).
    public var guest: String? {
        switch self {
        case .createDisk(let g, _), .copyDisk(let g, _), .recreateDisk(let g, _, _), .uploadSeed(let g, _), .defineDomain(let g, _),
             .stopDomain(let g, _), .startDomain(let g, _), .waitReady(let g, _), .runSetup(let g, _): g
        default: nil
        }
    }

    /// One line for `tbctl plan` and progress output.
    public var summary: String {
        switch self {
        case .createPool(let h): "create storage pool on \(h)"
        case .createManagementNetwork(let h): "create management network on \(h)"
        case .startManagementNetwork(let h): "start management network on \(h)"
        case .updateDHCPHosts(let h): "update the DHCP entries of the management network on \(h)"
        case .configureBridges(let h, let c): "configure OVS on \(h): \(c.joined(separator: "; "))"
        case .importImage(let i, let h): "import image \(i) to \(h)"
        case .buildGolden(let s, let h): "build golden image of \(s) on \(h)"
        case .copyGolden(let s, let f, let t): "copy golden image of \(s) from \(f) to \(t)"
        case .createDisk(let g, let h): "create linked clone disk of \(g) on \(h)"
        case .copyDisk(let g, let h): "create full copy disk of \(g) on \(h)"
        case .recreateDisk(let g, let h, let r): "recreate \(g) on \(h) (\(r))"
        case .uploadSeed(let g, let h): "upload cloud-init seed of \(g) to \(h)"
        case .defineDomain(let g, let h): "define \(g) on \(h)"
        case .stopDomain(let g, let h): "shut down \(g) on \(h) to apply its new definition"
        case .startDomain(let g, let h): "start \(g) on \(h)"
        case .waitReady(let g, let h): "wait for \(g) to answer (\(h))"
        case .runSetup(let g, let h): "run setup of \(g) on \(h)"
        case .removeDomain(let d, let h): "remove domain \(d) from \(h)"
        case .removeVolume(let v, let h): "remove volume \(v) from \(h)"
        }
    }

    /// `+` creates, `~` changes, `-` removes: the marks `tbctl plan` prints.
    public var mark: Character {
        switch self {
        case .removeDomain, .removeVolume: "-"
        case .recreateDisk, .configureBridges, .startManagementNetwork, .updateDHCPHosts, .stopDomain, .startDomain, .waitReady, .runSetup: "~"
        default: "+"
        }
    }
}

/// Stages run in order; the actions of one stage run concurrently.
public struct Stage: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case prune = "remove", hostPrep = "hosts", network = "networks", images = "images",
             golden = "golden images", distribute = "image copies", disks = "disks", define = "definitions",
             stop = "restarts", start = "start", setup = "setup"
    }
    public var kind: Kind
    public var actions: [Action]
    public init(kind: Kind, actions: [Action]) { self.kind = kind; self.actions = actions }
}
