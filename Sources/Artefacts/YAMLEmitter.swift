/// Block-style YAML for cloud-init documents. Block style with two-space indentation and list
/// items indented under their key, because the demo image's init reads these files with
/// line-oriented awk/sed, not a YAML parser. Real cloud-init reads them with PyYAML (YAML
/// 1.1), netplan with libyaml: a string is quoted whenever either YAML 1.1 or 1.2 could read
/// it as something else, so every consumer sees the same value.
public enum YAMLEmitter {
    /// The document for `value`, ending with a newline.
    public static func render(_ value: CloudConfigValue) -> String {
        var out = ""
        switch value {
        case .map(let entries) where !entries.isEmpty: appendMap(entries, indent: 0, inlineFirst: false, to: &out)
        case .list(let items) where !items.isEmpty: appendList(items, indent: 0, inlineFirst: false, to: &out)
        default: out += inlineScalar(value) + "\n"
        }
        return out
    }

    // MARK: collections

    /// `inlineFirst`: the first line continues a `- ` already written (a map or list inside a list).
    private static func appendMap(_ entries: [CloudConfigValue.Entry], indent: Int, inlineFirst: Bool,
                                  to out: inout String) {
        for (i, entry) in entries.enumerated() {
            if i > 0 || !inlineFirst { out += String(repeating: " ", count: indent) }
            out += key(entry.key) + ":"
            appendNested(entry.value, indent: indent, to: &out)
        }
    }

    private static func appendList(_ items: [CloudConfigValue], indent: Int, inlineFirst: Bool,
                                   to out: inout String) {
        for (i, item) in items.enumerated() {
            if i > 0 || !inlineFirst { out += String(repeating: " ", count: indent) }
            out += "-"
            appendItem(item, indent: indent, to: &out)
        }
    }

    /// A value after `key:` at column `indent`: collections go on the next lines, two deeper.
    private static func appendNested(_ value: CloudConfigValue, indent: Int, to out: inout String) {
        switch value {
        case .map(let entries) where !entries.isEmpty:
            out += "\n"
            appendMap(entries, indent: indent + 2, inlineFirst: false, to: &out)
        case .list(let items) where !items.isEmpty:
            out += "\n"
            appendList(items, indent: indent + 2, inlineFirst: false, to: &out)
        default:
            out += " "
            appendScalar(value, blockIndent: indent + 2, to: &out)
        }
    }

    /// A list item after `-` at column `indent`: a map or list starts on the dash's line.
    private static func appendItem(_ value: CloudConfigValue, indent: Int, to out: inout String) {
        out += " "
        switch value {
        case .map(let entries) where !entries.isEmpty:
            appendMap(entries, indent: indent + 2, inlineFirst: true, to: &out)
        case .list(let items) where !items.isEmpty:
            appendList(items, indent: indent + 2, inlineFirst: true, to: &out)
        default:
            appendScalar(value, blockIndent: indent + 2, to: &out)
        }
    }

    // MARK: scalars

    /// A scalar and its line break; multi-line strings become literal blocks at `blockIndent`.
    private static func appendScalar(_ value: CloudConfigValue, blockIndent: Int, to out: inout String) {
        if case .string(let s) = value, YAMLScalar.fitsLiteralBlock(s) {
            appendLiteral(s, indent: blockIndent, to: &out)
        } else {
            out += inlineScalar(value) + "\n"
        }
    }

    private static func inlineScalar(_ value: CloudConfigValue) -> String {
        switch value {
        case .string(let s): YAMLScalar.quoted(s)
        case .int(let i): String(i)
        case .float(let d): YAMLScalar.float(d)
        case .bool(let b): b ? "true" : "false"
        case .null: "null"
        case .map: "{}"     // only empty collections get here
        case .list: "[]"
        }
    }

    private static func key(_ s: String) -> String { YAMLScalar.quoted(s) }

    /// `|` keeps every line as written. The chomping indicator says how many final line breaks
    /// the string has (none `-`, one default, more `+`); an explicit indentation indicator is
    /// needed when the text itself starts with a space or an empty line, or a parser would
    /// take that leading whitespace for the block's indentation.
    private static func appendLiteral(_ s: String, indent: Int, to out: inout String) {
        var body = Substring(s)
        var header = "|"
        if s.first == " " || s.first == "\n" { header += "2" }
        if !s.hasSuffix("\n") {
            header += "-"
        } else {
            body = body.dropLast()
            if s.hasSuffix("\n\n") { header += "+" }
        }
        out += header + "\n"
        let pad = String(repeating: " ", count: indent)
        for line in body.split(separator: "\n", omittingEmptySubsequences: false) {
            out += line.isEmpty ? "\n" : pad + line + "\n"
        }
    }
}

/// How one string is written: plain when every YAML reader sees the same string, otherwise
/// quoted. Single quotes when the only problem is that the text reads as another type
/// (`'0644'`, `'yes'`), double quotes when it holds YAML syntax characters (`"52:54:00:…"`)
/// or needs escapes.
enum YAMLScalar {
    /// A float that YAML 1.2 and YAML 1.1 (PyYAML, which cloud-init uses) both read as one:
    /// 1.1 needs a dot in the mantissa and a sign in the exponent (`1.0e-05`, not `1e-05`).
    static func float(_ d: Double) -> String {
        if d.isNaN { return ".nan" }
        if d.isInfinite { return d < 0 ? "-.inf" : ".inf" }
        let text = "\(d)"   // Swift: "1.5", "1000.0", "1e-05", "1e+20"
        guard let e = text.firstIndex(of: "e"), !text[..<e].contains(".") else { return text }
        return text[..<e] + ".0" + text[e...]
    }

    static func quoted(_ s: String) -> String {
        if !isPrintableLine(s) { return doubleQuoted(s) }
        let syntaxSafe = isSyntaxSafe(s) && !isHexColon(s)
        if syntaxSafe && !readsAsNonString(s) { return s }
        return syntaxSafe && !s.utf8.contains(UInt8(ascii: "'")) ? "'" + s + "'" : doubleQuoted(s)
    }

    /// Multi-line text with nothing a literal block cannot hold (other line breaks, controls),
    /// and some visible content (a string of line breaks only is clearer quoted).
    static func fitsLiteralBlock(_ s: String) -> Bool {
        guard s.utf8.contains(UInt8(ascii: "\n")) else { return false }
        var visible = false
        for u in s.unicodeScalars {
            if u == "\n" || u == "\t" { continue }
            guard isPrintable(u) else { return false }
            if u != " " { visible = true }
        }
        return visible
    }

    // MARK: checks

    static func isPrintable(_ u: Unicode.Scalar) -> Bool {
        switch u.value {
        case 0x20...0x7E: true
        case 0x2028, 0x2029, 0xFEFF: false   // line/paragraph separators, byte order mark
        case 0xA0...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: true
        default: false                       // C0/C1 controls (tab too: quoted), NEL, DEL
        }
    }

    static func isPrintableLine(_ s: String) -> Bool {
        if s.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return true }   // the common case, quickly
        return s.unicodeScalars.allSatisfy(isPrintable)
    }

    /// Could stand as a plain scalar in block context: no leading indicator (a `-` is one only
    /// before a space: `-c`, `-1` are fine), no `: ` or ` #`, no edge whitespace, no document
    /// marker. Stricter than YAML requires (`?x` and `:x` get quoted too).
    static func isSyntaxSafe(_ s: String) -> Bool {
        let u = Array(s.unicodeScalars.prefix(2))
        guard let first = u.first, let last = s.unicodeScalars.last else { return false }
        if first == "-" { guard u.count == 2, u[1] != " ", !s.hasPrefix("---") else { return false } }
        else if "?:,[]{}#&*!|>'\"%@` ".unicodeScalars.contains(first) { return false }
        if last == " " || last == ":" || s.hasPrefix("...") { return false }
        // One pass over the bytes: base64 file contents make these strings long.
        var previous: UInt8 = 0
        for byte in s.utf8 {
            if (previous == UInt8(ascii: ":") && byte == UInt8(ascii: " "))
                || (previous == UInt8(ascii: " ") && byte == UInt8(ascii: "#")) { return false }
            previous = byte
        }
        return true
    }

    /// MAC addresses, IPv6 addresses and times: hex digits and colons. YAML 1.1 reads some of
    /// them as base-60 numbers (52:54:00:12:34:56), so all of them are quoted, for a uniform look.
    static func isHexColon(_ s: String) -> Bool {
        var colon = false
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: ":"): colon = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"),
                 UInt8(ascii: "A")...UInt8(ascii: "F"): continue
            default: return false
            }
        }
        return colon
    }

    /// YAML 1.1 (PyYAML) or 1.2 core would resolve it to a bool, null, number or timestamp,
    /// or it is a merge/value key. Deliberately a superset of both schemas.
    static func readsAsNonString(_ s: String) -> Bool {
        if words.contains(s.lowercased()) { return true }
        return looksNumeric(s) || looksLikeDate(s)
    }

    private static let words: Set<String> = [
        "y", "n", "yes", "no", "true", "false", "on", "off", "null", "~", "<<", "=",
    ]

    private static func looksLikeDate(_ s: String) -> Bool {
        let u = Array(s.utf8.prefix(5))
        return u.count == 5 && u[0..<4].allSatisfy { (0x30...0x39).contains($0) } && u[4] == UInt8(ascii: "-")
    }

    static func looksNumeric(_ s: String) -> Bool {
        var t = Substring(s)
        if t.first == "+" || t.first == "-" { t = t.dropFirst() }
        guard let first = t.first else { return false }
        let lower = t.lowercased()
        if lower == ".inf" || lower == ".nan" { return true }
        for (prefix, digits) in [("0x", "0123456789abcdef_"), ("0o", "01234567_"), ("0b", "01_")]
        where lower.hasPrefix(prefix) {
            let rest = lower.dropFirst(2)
            return !rest.isEmpty && rest.allSatisfy { digits.contains($0) }
        }
        guard first.isASCII, first.isNumber || first == "." else { return false }
        return t.utf8.contains(UInt8(ascii: ":")) ? isSexagesimal(t) : isDecimal(t)
    }

    /// `[0-9_.]+` with at most one dot and a digit, then an optional exponent.
    private static func isDecimal(_ t: Substring) -> Bool {
        let parts = t.split(omittingEmptySubsequences: false) { $0 == "e" || $0 == "E" }
        guard parts.count <= 2, let mantissa = parts.first,
              mantissa.contains(where: \.isASCIIDigit), mantissa.filter({ $0 == "." }).count <= 1,
              mantissa.allSatisfy({ $0.isASCIIDigit || $0 == "_" || $0 == "." }) else { return false }
        guard parts.count == 2 else { return true }
        var exp = parts[1]
        if exp.first == "+" || exp.first == "-" { exp = exp.dropFirst() }
        return !exp.isEmpty && exp.allSatisfy(\.isASCIIDigit)
    }

    /// YAML 1.1 base 60: `190:20:30` or `1:20.5`.
    private static func isSexagesimal(_ t: Substring) -> Bool {
        let parts = t.split(separator: ":", omittingEmptySubsequences: false)
        guard let head = parts.first, !head.isEmpty, head.allSatisfy({ $0.isASCIIDigit || $0 == "_" }) else { return false }
        for (i, part) in parts.dropFirst().enumerated() {
            let isLast = i == parts.count - 2
            let whole = isLast ? part.prefix { $0 != "." } : part
            guard (1...2).contains(whole.count), whole.allSatisfy(\.isASCIIDigit) else { return false }
            if isLast && whole.count < part.count {
                guard part.dropFirst(whole.count + 1).allSatisfy({ $0.isASCIIDigit || $0 == "_" }) else { return false }
            }
        }
        return true
    }

    // MARK: double quotes

    static func doubleQuoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case "\0": out += "\\0"
            default:
                if isPrintable(u) { out.unicodeScalars.append(u) } else { out += escape(u) }
            }
        }
        return out + "\""
    }

    private static func escape(_ u: Unicode.Scalar) -> String {
        let hex = String(u.value, radix: 16, uppercase: true)
        switch u.value {
        case 0...0xFF: return "\\x" + String(repeating: "0", count: 2 - hex.count) + hex
        case 0x100...0xFFFF: return "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: return "\\U" + String(repeating: "0", count: 8 - hex.count) + hex
        }
    }
}

private extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
