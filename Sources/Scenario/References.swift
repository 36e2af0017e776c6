import Core
import YAML

/// What a template may refer to where it is written: checked before anything runs, so that a
/// job never fails on a name the file got wrong.
struct Scope {
    enum Targets { case guests, hosts, testbed }
    enum Items { case none, values, fields(Set<String>) }

    var targets: Targets
    /// Capture groups of the stage's `on:` pattern (count, names); nil without a pattern.
    var match: (count: Int, names: [String])?
    var items: Items = .none
    /// Vars set when the job starts; and those registered later, with where.
    var vars: Set<String>
    var laterVars: [String: Mark]
    var facts: Facts

    static let guestFields = ["name", "host", "management", "service", "index", "ip"]
    static let roots = ["vars", "item", "match", "guest", "guests", "host", "run", "stage"]

    func check(_ t: Template?, _ path: Path, _ problems: Problems) {
        for r in t?.references ?? [] {
            if let message = problem(r) { problems.add(r.mark, path, message) }
        }
    }

    /// Why the reference cannot be filled in, or nil when it can.
    func problem(_ r: Reference) -> String? {
        let p = r.path
        let shown = "`{{ \(r.text) }}`"
        switch p[0] {
        case "vars":
            guard p.count == 2 else { return "\(shown): write `vars.NAME`" }
            if vars.contains(p[1]) { return nil }
            if let at = laterVars[p[1]] {
                return "\(shown): `\(p[1])` is registered by a job that runs later (line \(at.line), column \(at.column))"
            }
            return "\(shown): no variable `\(p[1])` (set in `vars`, with --var, or by an earlier job's `register`)"
                + Suggestions.hint(for: p[1], among: vars.sorted())
        case "item": return itemProblem(p, shown)
        case "match": return matchProblem(p, shown)
        case "guest":
            guard targets == .guests else {
                return "\(shown): `guest` is the guest a job runs on; this stage runs on " + (targets == .hosts ? "hosts (use `host.name`)" : "the testbed")
            }
            return fieldProblem(Array(p.dropFirst()), guest: nil, shown)
        case "guests":
            guard p.count >= 3 else { return "\(shown): write `guests.NAME.FIELD` (FIELD: \(Scope.guestFields.joined(separator: ", ")))" }
            guard let g = facts.guest(p[1]) else { return "\(shown): " + Selection.unknownGuest(p[1], facts) }
            return fieldProblem(Array(p.dropFirst(2)), guest: g, shown)
        case "host":
            guard targets == .hosts else { return "\(shown): `host` is set in stages that run on `hosts`; a guest's host is `guest.host`" }
            return p.count == 2 && p[1] == "name" ? nil : "\(shown): a host has `host.name`"
        case "run": return p == ["run", "id"] ? nil : "\(shown): the run has `run.id`"
        case "stage": return p == ["stage", "name"] ? nil : "\(shown): the stage has `stage.name`"
        default:
            return "\(shown) is not a known reference (it starts with one of " + Scope.roots.map { "`\($0)`" }.joined(separator: ", ") + ")"
                + Suggestions.hint(for: p[0], among: Scope.roots)
        }
    }

    private func itemProblem(_ p: [String], _ shown: String) -> String? {
        switch items {
        case .none: return "\(shown): `item` is set only in jobs with `with_items`"
        case .values: return p.count == 1 ? nil : "\(shown): the items are single values: write `{{ item }}`"
        case .fields(let keys):
            guard p.count == 2 else { return "\(shown): the items are mappings: write `item.KEY` (keys: \(keys.sorted().joined(separator: ", ")))" }
            return keys.contains(p[1]) ? nil : "\(shown): not every item has `\(p[1])`" + Suggestions.hint(for: p[1], among: keys.sorted())
        }
    }

    private func matchProblem(_ p: [String], _ shown: String) -> String? {
        guard let match else { return "\(shown): `match` holds the captures of the stage's `on:` pattern; this stage has none" }
        guard p.count == 2 else { return "\(shown): write `match.N` (a group number) or `match.NAME` (a named group)" }
        if let n = Int(p[1]) {
            return n <= match.count ? nil : "\(shown): the `on:` pattern has \(match.count) capture group\(match.count == 1 ? "" : "s")"
        }
        return match.names.contains(p[1]) ? nil : "\(shown): the `on:` pattern has no group named `\(p[1])`"
    }

    /// `name`, `host`, `management`, `service`, `index`, `ip.NETWORK` of a guest (nil: the
    /// guest the job runs on, checked for every target by the caller).
    private func fieldProblem(_ f: [String], guest: Facts.Guest?, _ shown: String) -> String? {
        guard let field = f.first, Scope.guestFields.contains(field) else {
            return "\(shown): a guest has " + Scope.guestFields.map { $0 == "ip" ? "`ip.NETWORK`" : "`\($0)`" }.joined(separator: ", ")
                + Suggestions.hint(for: f.first ?? "", among: Scope.guestFields)
        }
        if field == "ip" {
            guard f.count == 2 else { return "\(shown): write `ip.NETWORK` (the guest's address on that network)" }
            if let guest, guest.addresses[f[1]] == nil {
                return "\(shown): guest \(guest.name) has no address on network `\(f[1])`"
                    + Suggestions.hint(for: f[1], among: guest.addresses.keys.sorted())
                    + " (its networks: \(guest.addresses.keys.sorted().joined(separator: ", ")))"
            }
            return nil
        }
        return f.count == 1 ? nil : "\(shown): `\(field)` has no parts"
    }
}
