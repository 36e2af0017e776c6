import Core
import Foundation
import YAML

/// The targets of a stage's selector, against the testbed as it will be when the stage runs.
public enum Selection {
    /// Targets in testbed order; a selector that names what the testbed lacks, or selects
    /// nothing, is a problem at its place in the file.
    public static func targets(of stage: Stage, in facts: Facts, problems: Problems) -> [Target] {
        guard let selector = stage.selector else { return [] }
        let out = selected(selector, stage: stage, in: facts, problems: problems)
        let loginless = out.filter { $0.kind == .guest && facts.loginless.contains($0.name) }.map(\.name)
        if !loginless.isEmpty {
            problems.add(mark(of: selector) ?? stage.mark, Path.root.key("stages").index(stage.index),
                         "stage `\(stage.name)` selects \(loginless.count == 1 ? "guest" : "guests") \(loginless.joined(separator: ", ")) that tbctl cannot log in to "
                         + "(`seed: none` without `login:` in the compose file): give \(loginless.count == 1 ? "it" : "them") a `login:` or select other guests")
        }
        return out
    }

    /// Where the selector is written, for problems about what it selects.
    static func mark(of selector: Selector) -> Mark? {
        switch selector {
        case .pattern(let p): p.mark
        case .services(let n), .guests(let n): n.first?.mark
        case .all(let m), .hosts(_, let m): m
        }
    }

    private static func selected(_ selector: Selector, stage: Stage, in facts: Facts, problems: Problems) -> [Target] {
        let path = Path.root.key("stages").index(stage.index)
        var out: [Target] = []
        switch selector {
        case .pattern(let p):
            out = pattern(p, facts, path.key("on"), problems)
        case .services(let names):
            var wanted = Set<String>()
            for (i, n) in names.enumerated() {
                guard facts.services[n.value] != nil else {
                    problems.add(n.mark, names.count > 1 ? path.key("service").index(i) : path.key("service"),
                                 "no service `\(n.value)` in testbed \(facts.project)" + Suggestions.hint(for: n.value, among: facts.services.keys.sorted())
                                 + list(" services", facts.services.keys.sorted()))
                    continue
                }
                wanted.insert(n.value)
            }
            out = facts.guests.filter { $0.service.map(wanted.contains) ?? false }.map { .guest($0.name) }
            if out.isEmpty && !wanted.isEmpty {
                problems.add(names[0].mark, path.key("service"), "service \(names.map(\.value).joined(separator: ", ")) has no clones (replicas: 0) when this stage runs")
                return []
            }
        case .guests(let names):
            for (i, n) in names.enumerated() {
                guard facts.guest(n.value) != nil else {
                    problems.add(n.mark, names.count > 1 ? path.key("guests").index(i) : path.key("guests"), unknownGuest(n.value, facts))
                    continue
                }
                if !out.contains(where: { $0.name == n.value }) { out.append(.guest(n.value)) }
            }
        case .all(let mark):
            out = facts.guests.map { .guest($0.name) }
            if out.isEmpty { problems.add(mark, path.key("all"), "testbed \(facts.project) has no guests") }
        case .hosts(let names, _):
            guard let names else { return facts.hosts.map { .host($0.name) } }
            for (i, n) in names.enumerated() {
                guard facts.host(n.value) != nil else {
                    problems.add(n.mark, names.count > 1 ? path.key("hosts").index(i) : path.key("hosts"),
                                 "no host `\(n.value)` in testbed \(facts.project)" + Suggestions.hint(for: n.value, among: facts.hosts.map(\.name))
                                 + list(" hosts", facts.hosts.map(\.name)))
                    continue
                }
                if !out.contains(where: { $0.name == n.value }) { out.append(.host(n.value)) }
            }
        }
        return out
    }

    /// Guests whose whole name matches, with the captures.
    static func pattern(_ p: Located<String>, _ facts: Facts, _ path: Path, _ problems: Problems) -> [Target] {
        let regex: NSRegularExpression
        do { regex = try Patterns.fullMatch(p.value) } catch {
            problems.add(p.mark, path, "`\(p.value)` is not a valid regular expression")
            return []
        }
        let groups = Patterns.groupNames(p.value)
        var out: [Target] = []
        for g in facts.guests {
            let ns = g.name as NSString
            guard let m = regex.firstMatch(in: g.name, range: NSRange(location: 0, length: ns.length)) else { continue }
            var captures: [String: String] = [:]
            for i in 0..<m.numberOfRanges where m.range(at: i).location != NSNotFound {
                captures[String(i)] = ns.substring(with: m.range(at: i))
            }
            for name in groups {
                let r = m.range(withName: name)
                if r.location != NSNotFound { captures[name] = ns.substring(with: r) }
            }
            out.append(Target(kind: .guest, name: g.name, captures: captures))
        }
        if out.isEmpty {
            problems.add(p.mark, path, "`\(p.value)` matches no guest of testbed \(facts.project) (the whole name must match)"
                         + list(" guests", facts.guests.map(\.name)))
        }
        return out
    }

    static func unknownGuest(_ name: String, _ facts: Facts) -> String {
        var message = "no guest `\(name)` in testbed \(facts.project)"
        if facts.services[name] != nil {
            message += "; `\(name)` is a service: use `service: \(name)`, or name its clones"
        } else {
            message += Suggestions.hint(for: name, among: facts.guests.map(\.name))
        }
        return message + list(" guests", facts.guests.map(\.name))
    }

    /// " (guests: a, b, c)" — or nothing when there are none.
    static func list(_ what: String, _ names: [String]) -> String {
        guard !names.isEmpty else { return "" }
        let shown = names.count <= 12 ? names.joined(separator: ", ") : names.prefix(12).joined(separator: ", ") + ", … (\(names.count) in all)"
        return " (\(what.trimmingCharacters(in: .whitespaces)): \(shown))"
    }
}

extension Patterns {
    /// Named groups `(?<name>...)` of a pattern, in order.
    static func groupNames(_ pattern: String) -> [String] {
        guard let finder = try? NSRegularExpression(pattern: #"\(\?<([A-Za-z][A-Za-z0-9]*)>"#) else { return [] }
        let ns = pattern as NSString
        return finder.matches(in: pattern, range: NSRange(location: 0, length: ns.length)).map { ns.substring(with: $0.range(at: 1)) }
    }

    /// How many capture groups the pattern has (nil if it is invalid).
    static func groupCount(_ pattern: String) -> Int? {
        (try? NSRegularExpression(pattern: pattern))?.numberOfCaptureGroups
    }
}
