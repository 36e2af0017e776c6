import Core
import YAML

/// Typed reads of single values, each reporting a wrong type at the value's mark.
enum Values {
    /// "a string (\"two\")", "a mapping", "null": what the user wrote, for messages.
    static func describe(_ node: Node) -> String {
        guard let s = node.scalar, !node.isNull else { return node.kindDescription }
        return "\(node.kindDescription) (\"\(s.value)\")"
    }

    /// Mapping keys must be scalars; their text is the key.
    static func key(_ node: Node, _ path: KeyPath, ctx: DecodeContext) -> String? {
        guard let s = node.scalar, !node.isNull else {
            ctx.error(node.mark, path, "expected a name as key, got \(describe(node))")
            return nil
        }
        return s.value
    }

    /// Text fields take any non-null scalar as written: `project: 2024lab` and
    /// `sha256: 0123...` (all digits) must not turn into numbers.
    static func string(_ node: Node, _ path: KeyPath, ctx: DecodeContext) -> String? {
        guard let s = node.scalar, !node.isNull else {
            ctx.error(node.mark, path, "expected a string, got \(describe(node))")
            return nil
        }
        return s.value
    }

    static func int(_ node: Node, _ path: KeyPath, min: Int, ctx: DecodeContext) -> Int? {
        guard let n = node.int else {
            ctx.error(node.mark, path, "expected an integer, got \(describe(node))")
            return nil
        }
        guard n >= min else {
            ctx.error(node.mark, path, "must be at least \(min), got \(n)")
            return nil
        }
        return n
    }

    /// One word of a closed vocabulary (accel, datapath, tunnel, format): decoded here, once,
    /// so that every later stage holds the enum. A word outside it is an error at its mark.
    static func choice<T: RawRepresentable & CaseIterable>(_ node: Node, _ path: KeyPath, _ type: T.Type,
                                                           ctx: DecodeContext) -> T? where T.RawValue == String {
        guard let s = string(node, path, ctx: ctx) else { return nil }
        guard let value = T(rawValue: s) else {
            let options = T.allCases.map(\.rawValue)
            let list = options.map { "`\($0)`" }.joined(separator: ", ")
            ctx.error(node.mark, path, "`\(s)` is not one of \(list)" + Suggestions.hint(for: s, among: options))
            return nil
        }
        return value
    }

    /// A list; null is an empty list.
    static func list(_ node: Node, _ path: KeyPath, ctx: DecodeContext) -> [Node]? {
        if node.isNull { return [] }
        guard let items = node.sequence else {
            ctx.error(node.mark, path, "expected a list, got \(describe(node))")
            return nil
        }
        return items
    }

    /// A mapping with free keys (files, env); null is empty.
    static func mapping(_ node: Node, _ path: KeyPath, ctx: DecodeContext) -> [Pair]? {
        if node.isNull { return [] }
        guard let pairs = node.mapping else {
            ctx.error(node.mark, path, "expected a mapping, got \(describe(node))")
            return nil
        }
        return pairs
    }
}
