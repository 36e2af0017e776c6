import Core
import YAML

/// The keys of one mapping of the compose file, checked against the keys its section allows.
/// Unknown keys and keys that are not strings are reported here, once, where the key is.
struct Fields {
    let path: KeyPath
    /// Key text -> pair.
    private var pairs: [String: Pair] = [:]

    /// nil when the node is not a mapping (reported). A null value counts as an empty mapping,
    /// so `main:` with nothing under it is a host with all defaults.
    init?(_ node: Node, _ path: KeyPath, allowed: [String], extensions: Bool = false, ctx: DecodeContext) {
        self.path = path
        if node.isNull { return }
        guard let mapping = node.mapping else {
            ctx.error(node.mark, path, "expected a mapping, got \(Values.describe(node))")
            return nil
        }
        for pair in mapping {
            guard let key = Values.key(pair.key, path, ctx: ctx) else { continue }
            if extensions && key.hasPrefix("x-") { continue }
            guard allowed.contains(key) else {
                ctx.error(pair.key.mark, path.key(key), "unknown key `\(key)`" + Suggestions.hint(for: key, among: allowed))
                continue
            }
            pairs[key] = pair
        }
    }

    subscript(key: String) -> Node? { pairs[key]?.value }

    func keyMark(_ key: String) -> Mark? { pairs[key]?.key.mark }

    /// The value of a key the section cannot do without; its absence is reported at the
    /// mapping's own key (e.g. the guest name), which is where the user will look.
    func required(_ key: String, ownerMark: Mark, ctx: DecodeContext) -> Node? {
        if let v = pairs[key] { return v.value }
        ctx.error(ownerMark, path, "missing required key `\(key)`")
        return nil
    }
}

/// The entries of a name -> definition section (hosts, images, networks, guests).
struct NamedEntry {
    let name: String
    let keyMark: Mark
    let value: Node
    let path: KeyPath
}

extension Fields {
    /// A section's entries in file order; a null section or absent key has none.
    static func entries(of node: Node?, _ path: KeyPath, ctx: DecodeContext) -> [NamedEntry] {
        guard let node, !node.isNull else { return [] }
        guard let mapping = node.mapping else {
            ctx.error(node.mark, path, "expected a mapping of names to definitions, got \(Values.describe(node))")
            return []
        }
        return mapping.compactMap { pair in
            guard let name = Values.key(pair.key, path, ctx: ctx) else { return nil }
            return NamedEntry(name: name, keyMark: pair.key.mark, value: pair.value, path: path.key(name))
        }
    }
}
