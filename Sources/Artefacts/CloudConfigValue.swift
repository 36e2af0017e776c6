/// A cloud-config document as a small value tree: what tbctl generates and what the user's
/// extra `user_data` file holds once the YAML reader has turned it into this shape.
/// Maps keep their key order, because the demo image's init reads user-data line by line and
/// people compare the rendered file with what they wrote.
public indirect enum CloudConfigValue: Sendable, Equatable {
    case map([Entry])
    case list([CloudConfigValue])
    case string(String)
    case int(Int)
    case float(Double)
    case bool(Bool)
    case null

    public struct Entry: Sendable, Equatable {
        public var key: String
        public var value: CloudConfigValue
        public init(_ key: String, _ value: CloudConfigValue) { self.key = key; self.value = value }
    }

    /// The value of `key` in a map (the first one, should a map hold a key twice); nil otherwise.
    public subscript(key: String) -> CloudConfigValue? {
        guard case .map(let entries) = self else { return nil }
        return entries.first { $0.key == key }?.value
    }

    public var isMap: Bool {
        if case .map = self { return true }
        return false
    }
}

extension CloudConfigValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
                            ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral,
                            ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: CloudConfigValue...) { self = .list(elements) }
    /// Dictionary literals keep their written order (they become an ordered map).
    public init(dictionaryLiteral elements: (String, CloudConfigValue)...) {
        self = .map(elements.map { Entry($0.0, $0.1) })
    }
    public init(nilLiteral: ()) { self = .null }
}

extension CloudConfigValue {
    /// Top-level keys whose generated values tbctl relies on: the hostname the guest is known
    /// by, the host key tbctl recorded before first boot (so no other host key may be
    /// generated or kept), and the login user with the project's key.
    public static let ownedKeys: Set<String> = [
        "hostname", "disable_root", "ssh_keys", "ssh_deletekeys", "ssh_genkeytypes",
        "ssh_authorized_keys", "users",
    ]

    /// Merges the user's extra cloud-config into the generated one. The rule:
    /// - maps merge key by key, recursively: the generated keys first, in their order, then
    ///   the extra keys the generated map does not have, in theirs;
    /// - lists concatenate, generated items first (so extra `write_files`, `users`,
    ///   `ssh_authorized_keys`, `runcmd`... add to tbctl's);
    /// - anything else (two scalars, or values of different kinds) is a conflict: under a key
    ///   tbctl owns (`ownedKeys`, at the top level) the generated value wins, so a user cannot
    ///   break login or the recorded host key by accident; elsewhere the extra value wins, so
    ///   the user can override tbctl's defaults such as `ssh_pwauth`.
    /// An extra value of `null` (an empty file) leaves the generated document as it is; an
    /// extra document that is not a map cannot be merged, and the generated one is kept
    /// (`UserData` rejects such a file before it gets here).
    public static func merge(generated: CloudConfigValue, extra: CloudConfigValue) -> CloudConfigValue {
        guard case .map(let gen) = generated, case .map(let ext) = extra else { return generated }
        return .map(mergeMaps(gen, ext) { ownedKeys.contains($0) })
    }

    /// `owned(key)` tells whether a conflict under `key` keeps the generated value.
    private static func mergeMaps(_ gen: [Entry], _ ext: [Entry], owned: (String) -> Bool) -> [Entry] {
        let merged: [Entry] = gen.map { entry in
            guard let other = ext.first(where: { $0.key == entry.key })?.value else { return entry }
            return Entry(entry.key, mergeValues(entry.value, other, owned: owned(entry.key)))
        }
        let generatedKeys = Set(gen.map(\.key))
        return merged + ext.filter { !generatedKeys.contains($0.key) }
    }

    private static func mergeValues(_ gen: CloudConfigValue, _ ext: CloudConfigValue, owned: Bool) -> CloudConfigValue {
        switch (gen, ext) {
        case (.map(let g), .map(let e)): .map(mergeMaps(g, e) { _ in owned })
        case (.list(let g), .list(let e)): .list(g + e)
        default: owned ? gen : ext
        }
    }
}
