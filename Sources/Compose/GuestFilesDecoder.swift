import ComposeModel
import YAML

/// A guest's `files:` (local path -> absolute guest path) and `env:` (NAME -> value).
enum GuestFilesDecoder {
    static func files(_ node: Node, _ path: KeyPath, ctx: DecodeContext) -> [FileSpec] {
        guard let pairs = Values.mapping(node, path, ctx: ctx) else { return [] }
        return pairs.compactMap { pair in
            guard let local = Values.key(pair.key, path, ctx: ctx) else { return nil }
            let p = path.key(local)
            let source = PathRules.existing(raw: local, mark: pair.key.mark, p, .fileOrFolder, what: "file to copy", ctx: ctx)
            let destination = guestPath(pair.value, p, ctx: ctx)
            guard let source, let destination else { return nil }
            return FileSpec(source: source, destination: destination)
        }
    }

    /// Absolute, so it does not depend on the guest user's working folder.
    private static func guestPath(_ node: Node, _ path: KeyPath, ctx: DecodeContext) -> String? {
        guard let s = Values.string(node, path, ctx: ctx) else { return nil }
        guard s.hasPrefix("/") else {
            ctx.error(node.mark, path, "guest path `\(s)` must be absolute (start with /)")
            return nil
        }
        return s
    }

    /// Values are kept as written (`0755` stays "0755", `1.50` stays "1.50"): the guest sees text.
    static func env(_ node: Node, _ path: KeyPath, ctx: DecodeContext) -> [(key: String, value: String)] {
        guard let pairs = Values.mapping(node, path, ctx: ctx) else { return [] }
        return pairs.compactMap { pair in
            guard let name = Values.key(pair.key, path, ctx: ctx) else { return nil }
            let p = path.key(name)
            guard Names.isEnvName(name) else {
                ctx.error(pair.key.mark, p, "invalid variable name `\(name)`: use letters, digits and '_', not starting with a digit")
                return nil
            }
            guard let s = pair.value.scalar, !pair.value.isNull else {
                let hint = pair.value.isNull ? "; write \"\" for an empty value" : ""
                ctx.error(pair.value.mark, p, "expected a value (a string or number), got \(Values.describe(pair.value))\(hint)")
                return nil
            }
            return (name, s.value)
        }
    }
}
