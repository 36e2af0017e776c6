/// Naming rules. Guest names become hostnames and libvirt domain names; other names end up in
/// bridge, pool and file names, hence the stricter, shorter form.
enum Names {
    static let projectRule = "use 1-20 characters: lowercase letters, digits and '-', starting with a letter"
    static let objectRule = "use 1-32 characters: lowercase letters, digits and '-', starting with a letter"
    static let guestRule = "a guest name is a hostname: 1-63 characters, lowercase letters, digits and '-', starting with a letter and not ending with '-'"
    static let userRule = "use 1-32 characters: lowercase letters, digits, '_' and '-', starting with a letter or '_'"

    static func isProject(_ s: String) -> Bool { matches(s, max: 20, first: isLower, rest: isLowerDigitDash) }
    static func isObject(_ s: String) -> Bool { matches(s, max: 32, first: isLower, rest: isLowerDigitDash) }
    static func isGuest(_ s: String) -> Bool {
        matches(s, max: 63, first: isLower, rest: isLowerDigitDash) && !s.hasSuffix("-")
    }
    static func isUser(_ s: String) -> Bool {
        matches(s, max: 32, first: { isLower($0) || $0 == "_" }, rest: { isLowerDigitDash($0) || $0 == "_" })
    }
    /// A shell identifier: what `export NAME=...` accepts.
    static func isEnvName(_ s: String) -> Bool {
        matches(s, max: Int.max, first: { ($0.isASCII && $0.isLetter) || $0 == "_" },
                rest: { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "_" })
    }

    /// The default project: the compose file's folder name, lowercased, other characters
    /// turned into '-', runs of '-' collapsed, '-' trimmed, at most 20 characters. A name that
    /// would not start with a letter gets a `tb-` prefix; nothing usable at all gives `testbed`.
    static func safeProject(fromFolder folder: String) -> String {
        var out = ""
        for c in folder.lowercased() {
            let keep = isLowerDigitDash(c)
            if keep && c != "-" { out.append(c) } else if !out.isEmpty && !out.hasSuffix("-") { out.append("-") }
        }
        out = trimDashes(out)
        guard let first = out.first else { return "testbed" }
        if !isLower(first) { out = "tb-" + out }
        return trimDashes(String(out.prefix(20)))
    }

    private static func trimDashes(_ s: String) -> String {
        String(s.drop { $0 == "-" }.reversed().drop { $0 == "-" }.reversed())
    }

    private static func matches(_ s: String, max: Int, first: (Character) -> Bool, rest: (Character) -> Bool) -> Bool {
        guard let f = s.first, s.count <= max, first(f) else { return false }
        return s.dropFirst().allSatisfy(rest)
    }

    private static func isLower(_ c: Character) -> Bool { c.isASCII && c.isLowercase }
    private static func isLowerDigitDash(_ c: Character) -> Bool { c.isASCII && (c.isLowercase || c.isNumber || c == "-") }
}
