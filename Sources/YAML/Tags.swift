/// The tags this reader understands: the YAML 1.2 core schema ones and the non-specific `!`.
/// Any other tag is refused rather than silently read as a string.
enum CoreTag {
    static let prefix = "tag:yaml.org,2002:"
    static let str = prefix + "str"
    static let int = prefix + "int"
    static let float = prefix + "float"
    static let bool = prefix + "bool"
    static let null = prefix + "null"
    static let seq = prefix + "seq"
    static let map = prefix + "map"
    static let merge = prefix + "merge"
    static let nonSpecific = "!"

    /// nil when the scalar fits its tag; otherwise the reason.
    static func problem(scalar s: Scalar) -> String? {
        guard let tag = s.tag else { return nil }
        switch tag {
        case str, nonSpecific, merge: return nil
        case int: return Scalar.resolveInt(s.value) == nil ? "`\(s.value)` is not an integer (tagged !!int)" : nil
        case float: return Scalar.resolveNumber(s.value) == nil ? "`\(s.value)` is not a number (tagged !!float)" : nil
        case bool: return Scalar.resolveBool(s.value) == nil ? "`\(s.value)` is not a boolean (tagged !!bool)" : nil
        case null: return Scalar.resolveNull(s.value) ? nil : "`\(s.value)` is not null (tagged !!null)"
        default: return "unsupported tag `\(short(tag))` (only the core schema tags are understood)"
        }
    }

    static func problem(collectionTag tag: String?, expected: String) -> String? {
        guard let tag, tag != nonSpecific, tag != expected else { return nil }
        return "unsupported tag `\(short(tag))` on a \(expected == seq ? "sequence" : "mapping")"
    }

    static func short(_ tag: String) -> String {
        tag.hasPrefix(prefix) ? "!!" + tag.dropFirst(prefix.count) : tag
    }
}
