import Core

/// Merge keys (`<<: *base` or `<<: [*a, *b]`) and duplicate keys of one mapping.
/// Rules: keys written in the mapping win over merged ones; among merged mappings, the earlier
/// one in the list wins. Merged pairs take the place of the `<<` entry, so order stays readable.
enum Merge {
    struct Result {
        var pairs: [Pair]
        var issues: [YAMLError.Issue]
    }

    static func apply(_ pairs: [Pair]) -> Result {
        var issues: [YAMLError.Issue] = []
        let explicit = explicitKeys(pairs, issues: &issues)
        guard pairs.contains(where: { isMergeKey($0.key) }) else { return Result(pairs: pairs, issues: issues) }

        var out: [Pair] = []
        var taken = explicit
        for pair in pairs {
            guard isMergeKey(pair.key) else { out.append(pair); continue }
            for source in sources(of: pair.value, issues: &issues) {
                for p in source {
                    guard let k = identity(p.key) else { out.append(p); continue }
                    if taken.insert(k).inserted { out.append(p) }
                }
            }
        }
        return Result(pairs: out, issues: issues)
    }

    /// The keys written in the mapping itself; a second one with the same text is an error at
    /// the second (a second `<<` too).
    private static func explicitKeys(_ pairs: [Pair], issues: inout [YAMLError.Issue]) -> Set<String> {
        var seen: [String: Mark] = [:]
        for pair in pairs {
            guard let k = identity(pair.key) else { continue }
            if let first = seen[k] {
                issues.append(.init(mark: pair.key.mark,
                                    message: "duplicate key `\(k)` (first defined at line \(first.line), column \(first.column))"))
            } else {
                seen[k] = pair.key.mark
            }
        }
        return Set(seen.keys.filter { $0 != "<<" })
    }

    /// The mappings a `<<` value names, in priority order.
    private static func sources(of value: Node, issues: inout [YAMLError.Issue]) -> [[Pair]] {
        switch value.content {
        case .mapping(let pairs): return [pairs]
        case .sequence(let items):
            return items.compactMap { item in
                if case .mapping(let pairs) = item.content { return pairs }
                issues.append(.init(mark: item.mark, message: "a merge key `<<` list may only hold mappings"))
                return nil
            }
        case .scalar:
            issues.append(.init(mark: value.mark, message: "a merge key `<<` needs a mapping or a list of mappings"))
            return []
        }
    }

    /// `<<` counts as a merge key only when plain (a quoted "<<" is an ordinary key).
    static func isMergeKey(_ key: Node) -> Bool {
        guard case .scalar(let s) = key.content, s.value == "<<" else { return false }
        return s.style == .plain && (s.tag == nil || s.tag == CoreTag.merge)
    }

    /// Keys compare by their text: in a config file `1` and "1" name the same thing.
    /// Collection keys are not compared (they have no text).
    private static func identity(_ key: Node) -> String? {
        if case .scalar(let s) = key.content { return s.value }
        return nil
    }
}
