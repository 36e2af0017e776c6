/// The value of a scalar under the YAML 1.2 core schema.
public enum ScalarValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
}

extension Scalar {
    /// Plain untagged scalars are typed by their text (core schema: `yes`, `on`, `0777`-as-octal
    /// of YAML 1.1 are NOT special). Quoted and block scalars are strings. A standard tag forces
    /// its type; the reader has already refused a tagged value that does not fit its tag.
    public var resolved: ScalarValue {
        switch tag {
        case nil: return isPlain ? Scalar.resolvePlain(value) : .string(value)
        case CoreTag.null: return .null
        case CoreTag.bool: return Scalar.resolveBool(value).map(ScalarValue.bool) ?? .string(value)
        case CoreTag.int: return Scalar.resolveInt(value).map(ScalarValue.int) ?? .string(value)
        case CoreTag.float: return Scalar.resolveNumber(value) ?? .string(value)
        default: return .string(value)
        }
    }

    static func resolvePlain(_ s: String) -> ScalarValue {
        if resolveNull(s) { return .null }
        if let b = resolveBool(s) { return .bool(b) }
        if let n = resolveInt(s) { return .int(n) }
        if let n = resolveNumber(s) { return n }
        return .string(s)
    }

    static func resolveNull(_ s: String) -> Bool {
        ["", "~", "null", "Null", "NULL"].contains(s)
    }

    static func resolveBool(_ s: String) -> Bool? {
        switch s {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default: return nil
        }
    }

    /// `[-+]?[0-9]+`, `0o[0-7]+`, `0x[0-9a-fA-F]+`.
    static func resolveInt(_ s: String) -> Int? {
        if s.hasPrefix("0o") { return onlyDigits(s.dropFirst(2), radix: 8) }
        if s.hasPrefix("0x") { return onlyDigits(s.dropFirst(2), radix: 16) }
        var body = Substring(s)
        let negative = body.first == "-"
        if body.first == "-" || body.first == "+" { body = body.dropFirst() }
        guard let n = onlyDigits(body, radix: 10) else { return nil }
        return negative ? -n : n
    }

    private static func onlyDigits(_ s: Substring, radix: Int) -> Int? {
        guard !s.isEmpty, s.allSatisfy({ $0.isASCII && $0.isHexDigit }) else { return nil }
        return Int(s, radix: radix)
    }

    /// Floats, and integers too large for Int (still numbers, so not strings).
    static func resolveNumber(_ s: String) -> ScalarValue? {
        switch s {
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .float(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .float(-.infinity)
        case ".nan", ".NaN", ".NAN": return .float(.nan)
        default: break
        }
        guard isCoreFloat(s), let d = Double(s) else { return nil }
        return .float(d)
    }

    /// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`
    private static func isCoreFloat(_ s: String) -> Bool {
        var c = Substring(s)
        if c.first == "-" || c.first == "+" { c = c.dropFirst() }
        let intDigits = c.prefix(while: \.isASCIIDigit)
        c = c.dropFirst(intDigits.count)
        var fracDigits = Substring("")
        if c.first == "." {
            c = c.dropFirst()
            fracDigits = c.prefix(while: \.isASCIIDigit)
            c = c.dropFirst(fracDigits.count)
            if intDigits.isEmpty && fracDigits.isEmpty { return false }
        } else if intDigits.isEmpty {
            return false
        }
        if c.first == "e" || c.first == "E" {
            c = c.dropFirst()
            if c.first == "-" || c.first == "+" { c = c.dropFirst() }
            let exp = c.prefix(while: \.isASCIIDigit)
            if exp.isEmpty { return false }
            c = c.dropFirst(exp.count)
        }
        return c.isEmpty
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
