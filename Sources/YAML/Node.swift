import Core

/// One node of a YAML document, with the place it starts in the file.
/// Aliases are already replaced by the node they refer to, and merge keys (`<<`) are already
/// applied, so a consumer sees plain scalars, sequences and mappings only.
public struct Node: Sendable {
    public enum Content: Sendable {
        case scalar(Scalar)
        case sequence([Node])
        case mapping([Pair])
    }

    public var content: Content
    public var mark: Mark

    public init(_ content: Content, mark: Mark) {
        self.content = content
        self.mark = mark
    }
}

/// One entry of a mapping, in file order. Keys are nodes so that they keep their own mark:
/// an unknown key is reported where the key is, not where its value is.
public struct Pair: Sendable {
    public var key: Node
    public var value: Node
    public init(key: Node, value: Node) { self.key = key; self.value = value }
}

/// A scalar as written: its text, how it was written, and its tag (in full form, e.g.
/// `tag:yaml.org,2002:str` for `!!str`), if it had one.
public struct Scalar: Sendable, Hashable {
    public enum Style: Sendable, Hashable {
        case plain, singleQuoted, doubleQuoted, literal, folded
    }

    public var value: String
    public var style: Style
    public var tag: String?

    public init(_ value: String, style: Style = .plain, tag: String? = nil) {
        self.value = value
        self.style = style
        self.tag = tag
    }

    /// Plain and untagged: the only kind of scalar whose type is inferred from its text.
    public var isPlain: Bool { style == .plain && tag == nil }
    public var isQuoted: Bool { style == .singleQuoted || style == .doubleQuoted }
}
