import Core
import TestbedState

/// Names from the command line (or a scenario) checked against the compiled testbed. Every
/// error names the object and what exists instead; nothing is changed before all names resolve.
public struct Resolver: Sendable {
    public let state: TestbedState

    public init(state: TestbedState) { self.state = state }

    var testbed: String { "testbed \(state.project)" }

    /// `GUEST:NETWORK`, or `GUEST` when the guest is on one network of the testbed.
    public func nic(_ text: String) throws -> NICRef {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        if parts.count == 2 { return try nic(guest: parts[0], network: parts[1]) }
        let g = try guest(text)
        let nets = networks(of: g)
        guard nets.count == 1 else {
            throw TBError(.invalidInput, nets.isEmpty
                ? "guest \(g.name) is on no network of \(testbed) (only the management network, which tbctl needs to reach it)"
                : "guest \(g.name) is on \(nets.count) networks (\(nets.joined(separator: ", "))): name one, e.g. \(g.name):\(nets[0])")
        }
        return NICRef(guest: g.name, network: nets[0])
    }

    /// The guest's NIC on the network; the management network is refused (tbctl reaches
    /// guests through it).
    public func nic(guest name: String, network: String) throws -> NICRef {
        let g = try guest(name)
        if network == "management" || g.nics.contains(where: { $0.isManagement && $0.network == network }) {
            throw TBError(.invalidInput, "the management network cannot be changed: tbctl reaches guest \(g.name) through it")
        }
        _ = try self.network(network)
        guard g.nics.contains(where: { !$0.isManagement && $0.network == network }) else {
            let nets = networks(of: g)
            throw TBError(.invalidInput, "guest \(g.name) is not on network \(network)"
                          + (nets.isEmpty ? " (it is on no network of the testbed)" : "; it is on: " + nets.joined(separator: ", ")))
        }
        return NICRef(guest: g.name, network: network)
    }

    public func guest(_ name: String) throws -> TestbedState.Guest {
        if let g = state.guest(named: name), g.role.kind != .golden { return g }
        var message = "no guest `\(name)` in \(testbed)"
        if let s = state.service(named: name) {
            message += "; `\(name)` is a service: name one of its guests (\(s.clones.joined(separator: ", ")))"
        } else {
            message += Suggestions.hint(for: name, among: state.userGuests.map(\.name))
        }
        throw TBError(.invalidInput, message + "\n  guests: " + list(state.userGuests.map(\.name)))
    }

    public func network(_ name: String) throws -> TestbedState.Network {
        if let n = state.networks.first(where: { $0.name == name }) { return n }
        throw TBError(.invalidInput, "no network `\(name)` in \(testbed)" + Suggestions.hint(for: name, among: state.networks.map(\.name))
                      + "\n  networks: " + list(state.networks.map(\.name)))
    }

    /// `A,B` for `impair NETWORK --between A,B`: two different hosts that both have guests on
    /// the network.
    public func hostPair(network: String, _ text: String) throws -> (String, String) {
        let net = try self.network(network)
        let names = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard names.count == 2, !names[0].isEmpty, !names[1].isEmpty else {
            throw TBError(.invalidInput, "--between `\(text)`: give two hosts, e.g. --between \(state.hosts.first?.name ?? "main"),\(state.hosts.dropFirst().first?.name ?? "rack2")")
        }
        guard names[0] != names[1] else {
            throw TBError(.invalidInput, "--between `\(text)`: two different hosts; for one guest use `tbctl impair GUEST:\(network)`")
        }
        for h in names {
            guard state.hosts.contains(where: { $0.name == h }) else {
                throw TBError(.invalidInput, "no host `\(h)` in \(testbed)" + Suggestions.hint(for: h, among: state.hosts.map(\.name))
                              + "\n  hosts: " + list(state.hosts.map(\.name)))
            }
            guard !guests(on: net.name, host: h).isEmpty else {
                throw TBError(.invalidInput, "network \(network) has no guest on host \(h)"
                              + "; its guests are on: " + list(hostsWithGuests(on: net.name)))
            }
        }
        return (names[0], names[1])
    }

    /// A partition group: comma-separated guests, services and hosts (`web-0,db`,
    /// `service:web`, `host:rack2`). A bare name must name exactly one kind of thing.
    public func group(_ text: String) throws -> [Member] {
        let words = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard !words.contains(where: \.isEmpty) else { throw TBError(.invalidInput, "partition group `\(text)` has an empty name") }
        var out: [Member] = []
        for w in words {
            let m = try member(w)
            if !out.contains(m) { out.append(m) }
        }
        return out
    }

    func member(_ word: String) throws -> Member {
        if let colon = word.firstIndex(of: ":"), let kind = Member.Kind(rawValue: String(word[..<colon])) {
            let name = String(word[word.index(after: colon)...])
            let m = Member(kind, name)
            guard exists(m) else { throw unknownMember(name, kinds: [kind]) }
            return m
        }
        let found = Member.Kind.allCases.map { Member($0, word) }.filter(exists)
        guard found.count == 1 else {
            if found.isEmpty { throw unknownMember(word, kinds: Member.Kind.allCases) }
            throw TBError(.invalidInput, "`\(word)` is both a " + found.map(\.kind.rawValue).joined(separator: " and a ")
                          + ": write " + found.map { "\($0.kind.rawValue):\(word)" }.joined(separator: " or "))
        }
        return found[0]
    }

    func exists(_ m: Member) -> Bool {
        switch m.kind {
        case .guest: return state.guest(named: m.name).map { $0.role.kind != .golden } ?? false
        case .service: return state.service(named: m.name) != nil
        case .host: return state.hosts.contains { $0.name == m.name }
        }
    }

    func unknownMember(_ name: String, kinds: [Member.Kind]) -> TBError {
        var names: [String] = []
        if kinds.contains(.guest) { names += state.userGuests.map(\.name) }
        if kinds.contains(.service) { names += state.services.map(\.name) }
        if kinds.contains(.host) { names += state.hosts.map(\.name) }
        let what = kinds.map(\.rawValue).joined(separator: ", ").replacingOccurrences(of: ", host", with: " or host")
        return TBError(.invalidInput, "no \(what) `\(name)` in \(testbed)" + Suggestions.hint(for: name, among: names)
                       + "\n  guests: " + list(state.userGuests.map(\.name)) + "; services: " + list(state.services.map(\.name))
                       + "; hosts: " + list(state.hosts.map(\.name)))
    }

    /// What `capture` names: NETWORK, GUEST:NETWORK, or a guest on one network; a name that
    /// is both a network and a guest is refused.
    public func captureTarget(_ text: String) throws -> CaptureTarget {
        if text.contains(":") { return .nic(try nic(text)) }
        let isNetwork = state.networks.contains { $0.name == text }
        let isGuest = state.guest(named: text).map { $0.role.kind != .golden } ?? false
        if isNetwork && isGuest {
            throw TBError(.invalidInput, "`\(text)` is both a network and a guest: write \(text):NETWORK for one of the guest's NICs")
        }
        if isNetwork { return .network(text) }
        if isGuest { return .nic(try nic(text)) }
        throw TBError(.invalidInput, "no network or guest `\(text)` in \(testbed)"
                      + Suggestions.hint(for: text, among: state.networks.map(\.name) + state.userGuests.map(\.name))
                      + "\n  networks: " + list(state.networks.map(\.name)))
    }

    /// Two groups that can be cut apart: each names a guest on a testbed network, none in both.
    public func partition(_ a: String, _ b: String) throws -> Partition {
        let p = Partition(a: try group(a), b: try group(b))
        let (ga, gb) = (guests(p.a), guests(p.b))
        let both = ga.intersection(gb)
        guard both.isEmpty else {
            throw TBError(.invalidInput, "guest\(both.count == 1 ? "" : "s") \(both.sorted().joined(separator: ", ")) would be in both groups")
        }
        for (text, g) in [(a, ga), (b, gb)] where g.isEmpty {
            throw TBError(.invalidInput, "partition group `\(text)` holds no guest")
        }
        let (na, nb) = (Set(ga.flatMap(networks(ofGuest:))), Set(gb.flatMap(networks(ofGuest:))))
        guard !na.isDisjoint(with: nb) else {
            throw TBError(.invalidInput, "the groups share no network, so there is nothing to cut: `\(a)` is on "
                          + (na.isEmpty ? "none" : na.sorted().joined(separator: ", ")) + ", `\(b)` on "
                          + (nb.isEmpty ? "none" : nb.sorted().joined(separator: ", ")))
        }
        return p
    }

    // MARK: facts

    /// The user guests a group names now (services and hosts expanded).
    public func guests(_ members: [Member]) -> Set<String> {
        var out = Set<String>()
        for m in members {
            switch m.kind {
            case .guest: if exists(m) { out.insert(m.name) }
            case .service: out.formUnion(state.service(named: m.name)?.clones ?? [])
            case .host: out.formUnion(state.userGuests.filter { $0.host == m.name }.map(\.name))
            }
        }
        return out
    }

    func networks(of g: TestbedState.Guest) -> [String] { g.nics.filter { !$0.isManagement }.map(\.network) }

    func networks(ofGuest name: String) -> [String] { state.guest(named: name).map(networks(of:)) ?? [] }

    func guests(on network: String, host: String) -> [TestbedState.Guest] {
        state.userGuests.filter { $0.host == host && $0.nics.contains { !$0.isManagement && $0.network == network } }
    }

    func hostsWithGuests(on network: String) -> [String] {
        state.hosts.map(\.name).filter { !guests(on: network, host: $0).isEmpty }
    }

    func list(_ names: [String]) -> String {
        names.isEmpty ? "none" : names.count <= 12 ? names.joined(separator: ", ") : names.prefix(12).joined(separator: ", ") + ", … (\(names.count) in all)"
    }
}
