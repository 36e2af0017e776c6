/// Escaping for text and single-quoted attribute values. Names, paths and network names come
/// from the compose file: a `'` or `&` in one must not change the document's structure.
public enum XMLEscape {
    public static func text(_ s: String) -> String { escape(s, quote: false) }
    public static func attribute(_ s: String) -> String { escape(s, quote: true) }

    /// The text back from its escaped form (the five predefined entities; character references
    /// tbctl writes only for tabs and line breaks in attributes).
    public static func unescape(_ s: String) -> String {
        guard s.contains("&") else { return s }
        var out = ""
        var rest = s[...]
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            guard let semi = rest[amp...].firstIndex(of: ";") else { break }
            let entity = rest[rest.index(after: amp)..<semi]
            switch entity {
            case "amp": out += "&"
            case "lt": out += "<"
            case "gt": out += ">"
            case "apos": out += "'"
            case "quot": out += "\""
            default:
                if entity.hasPrefix("#"), let n = UInt32(entity.dropFirst()), let u = Unicode.Scalar(n) { out.unicodeScalars.append(u) }
                else { out += rest[amp...semi] }
            }
            rest = rest[rest.index(after: semi)...]
        }
        return out + rest
    }

    private static func escape(_ s: String, quote: Bool) -> String {
        guard s.unicodeScalars.contains(where: needsWork) else { return s }
        var out = ""
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "'" where quote: out += "&apos;"
            case "\"" where quote: out += "&quot;"
            default:
                if quote && (u == "\t" || u == "\n" || u == "\r") {
                    // Attribute values are normalised: a raw tab or line break would come back as a space.
                    out += "&#\(u.value);"
                } else if isAllowed(u) {
                    out.unicodeScalars.append(u)
                } else {
                    // XML 1.0 forbids other C0 controls (even as references) and U+FFFE/U+FFFF.
                    out += "\u{FFFD}"
                }
            }
        }
        return out
    }

    private static func needsWork(_ u: Unicode.Scalar) -> Bool {
        u.value < 0x20 || u.value >= 0xFFFE && u.value <= 0xFFFF
            || u == "&" || u == "<" || u == ">" || u == "'" || u == "\""
    }

    private static func isAllowed(_ u: Unicode.Scalar) -> Bool {
        (u.value >= 0x20 || u == "\t" || u == "\n" || u == "\r") && !(0xFFFE...0xFFFF).contains(u.value)
    }
}
