import Core
/// What a scenario may know of the testbed: its guests (names, service, host, addresses per
/// network, management address) and hosts. Built from the compiled state by the caller, so
/// this target needs no testbed code; `scaled` predicts the guests a `scale` job leaves.
public struct Facts: Sendable, Equatable {
    public struct Guest: Sendable, Equatable {
        public var name: String
        public var service: String?
        public var index: Int?
        /// nil for a guest a `scale` job will add: not placed yet.
        public var host: String?
        public var management: String?
        /// Network name -> address; a predicted guest has its networks with nil addresses.
        public var addresses: [String: String?]

        public init(name: String, service: String?, index: Int?, host: String?, management: String?,
                    addresses: [String: String?]) {
            self.name = name; self.service = service; self.index = index; self.host = host
            self.management = management; self.addresses = addresses
        }

        /// Made by a `scale` job of an earlier stage: its facts are known once it exists.
        public var isPredicted: Bool { host == nil }
    }

    public struct Host: Sendable, Equatable {
        public var name: String
        public var isMaster: Bool
        /// How tbctl reaches it: nil for the master, `user@address:port` otherwise.
        public var address: String?
        public init(name: String, isMaster: Bool, address: String?) {
            self.name = name; self.isMaster = isMaster; self.address = address
        }
    }

    public var project: String
    /// The compose file the testbed came from, for messages.
    public var composeFile: String
    /// User guests (no golden-image builders), in state order.
    public var guests: [Guest]
    public var hosts: [Host]
    /// Service name -> the networks its clones have, in order (for predicted clones).
    public var services: [String: [String]]
    /// Guests tbctl cannot log in to (`seed: none` without `login:`): no job can run on them.
    public var loginless: Set<String> = []
    /// Services whose clones are such guests (for predicted clones).
    public var loginlessServices: Set<String> = []

    public init(project: String, composeFile: String, guests: [Guest], hosts: [Host], services: [String: [String]]) {
        self.project = project; self.composeFile = composeFile; self.guests = guests; self.hosts = hosts
        self.services = services
    }

    public func guest(_ name: String) -> Guest? { guests.first { $0.name == name } }
    public func host(_ name: String) -> Host? { hosts.first { $0.name == name } }
    public func clones(of service: String) -> [Guest] {
        guests.filter { $0.service == service }.sorted { ($0.index ?? 0) < ($1.index ?? 0) }
    }

    /// The testbed after `service` is scaled to `replicas`: clones `service-N` up to the count,
    /// the new ones predicted, the highest indices removed (as `tbctl scale` does).
    public func scaled(_ service: String, to replicas: Int) -> Facts {
        var copy = self
        let networks = services[service] ?? []
        copy.guests.removeAll { $0.service == service && ($0.index ?? 0) >= replicas }
        let have = Set(copy.guests.filter { $0.service == service }.compactMap(\.index))
        for i in 0..<replicas where !have.contains(i) {
            copy.guests.append(Guest(name: "\(service)-\(i)", service: service, index: i, host: nil, management: nil,
                                     addresses: Dictionary(uniqueKeysWithValues: networks.map { ($0, String?.none) })))
            if loginlessServices.contains(service) { copy.loginless.insert("\(service)-\(i)") }
        }
        return copy
    }
}
