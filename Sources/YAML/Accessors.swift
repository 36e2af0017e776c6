/// Typed views of a node, for decoders: each returns nil when the node is something else.
extension Node {
    public var scalar: Scalar? {
        if case .scalar(let s) = content { return s }
        return nil
    }

    public var sequence: [Node]? {
        if case .sequence(let items) = content { return items }
        return nil
    }

    public var mapping: [Pair]? {
        if case .mapping(let pairs) = content { return pairs }
        return nil
    }

    /// The scalar's value under the core schema; nil for collections.
    public var value: ScalarValue? { scalar?.resolved }

    public var isNull: Bool { value == .null }

    /// A string scalar (quoted, block, or plain text that is not a number, bool or null).
    public var string: String? {
        if case .string(let s)? = value { return s }
        return nil
    }

    public var int: Int? {
        if case .int(let n)? = value { return n }
        return nil
    }

    public var bool: Bool? {
        if case .bool(let b)? = value { return b }
        return nil
    }

    /// Integers count as numbers too.
    public var double: Double? {
        switch value {
        case .float(let d)?: return d
        case .int(let n)?: return Double(n)
        default: return nil
        }
    }

    /// The value of the first pair whose key has this text.
    public subscript(key: String) -> Node? {
        mapping?.first { $0.key.scalar?.value == key }?.value
    }

    /// Keys of a mapping with their text, in order (collection keys are skipped).
    public var keys: [String] { mapping?.compactMap { $0.key.scalar?.value } ?? [] }

    /// What the node is, for messages: "a string", "an integer", "a list", ...
    public var kindDescription: String {
        switch content {
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        case .scalar(let s):
            switch s.resolved {
            case .null: return "null"
            case .bool: return "a boolean"
            case .int: return "an integer"
            case .float: return "a number"
            case .string: return "a string"
            }
        }
    }
}
