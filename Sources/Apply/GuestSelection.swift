import Core
import Hosts
import TestbedState

/// The guests a command names: guest names, `--service` names and `--all`, combined, in state
/// order, each at most once. Golden-image builders are not guests a user works with.
public enum GuestSelection {
    public static func select(_ state: TestbedState, guests names: [String], services: [String] = [],
                              all: Bool = false, composeFile: String? = nil) throws -> [Guest] {
        let testbed = "testbed \(state.project) (\(composeFile ?? state.composeFile))"
        let userGuests = state.userGuests
        guard all || !names.isEmpty || !services.isEmpty else {
            throw TBError(.invalidInput, "name a guest, a --service or --all\n" + inventory(state))
        }
        var wanted = Set<String>()
        if all { wanted.formUnion(userGuests.map(\.name)) }
        for name in names {
            guard let g = state.guest(named: name), g.role.kind != .golden else {
                throw unknownGuest(name, state, testbed)
            }
            wanted.insert(g.name)
        }
        for name in services {
            guard let s = state.service(named: name) else {
                var message = "no service `\(name)` in \(testbed)"
                    + Suggestions.hint(for: name, among: state.services.map(\.name))
                if let g = state.guest(named: name), g.role.kind == .single {
                    message += "; `\(name)` is a guest: name it without --service"
                }
                throw TBError(.invalidInput, message + "\n" + inventory(state))
            }
            if s.clones.isEmpty {
                throw TBError(.invalidInput, "service `\(name)` of \(testbed) has no guests (replicas: 0)")
            }
            wanted.formUnion(s.clones)
        }
        return userGuests.filter { wanted.contains($0.name) }
    }

    /// Commands that log in (exec, ssh, ssh-config's entries) refuse guests tbctl cannot log
    /// in to (`seed: none` without `login:`), naming them, before anything runs.
    public static func requireLogin(_ guests: [Guest], for command: String) throws {
        let none = guests.filter { !$0.canLogIn }
        guard let first = none.first else { return }
        if none.count == 1 { throw GuestLoginError.none(first) }
        throw TBError(.invalidInput, "\(command): guests \(none.map(\.name).joined(separator: ", ")) have no login: "
                      + "their image has no cloud-init (`seed: none`) and the compose file gives no `login:`")
    }

    /// Exactly one guest (`tbctl ssh`).
    public static func one(_ state: TestbedState, _ name: String, composeFile: String? = nil) throws -> Guest {
        try select(state, guests: [name], composeFile: composeFile)[0]
    }

    static func unknownGuest(_ name: String, _ state: TestbedState, _ testbed: String) -> TBError {
        let names = state.userGuests.map(\.name)
        var message = "no guest `\(name)` in \(testbed)"
        if let s = state.service(named: name) {
            message += "; `\(name)` is a service of \(plural(s.clones.count, "guest")) ("
                + s.clones.joined(separator: ", ") + "): use --service \(name), or name one of them"
        } else if let g = state.guest(named: name), g.role.kind == .golden {
            message += "; `\(name)` builds the golden image of service \(g.role.service ?? "?") and is not a guest to log in to"
        } else {
            message += Suggestions.hint(for: name, among: names)
        }
        return TBError(.invalidInput, message + "\n" + inventory(state))
    }

    /// "  guests: a, b; services: s", the second line of a selection error.
    static func inventory(_ state: TestbedState) -> String {
        let names = state.userGuests.map(\.name)
        var text = "  guests: " + (names.isEmpty ? "none" : list(names))
        if !state.services.isEmpty { text += "; services: " + list(state.services.map(\.name)) }
        return text
    }

    static func list(_ names: [String]) -> String {
        names.count <= 12 ? names.joined(separator: ", ") : names.prefix(12).joined(separator: ", ") + ", … (\(names.count) in all)"
    }
}
