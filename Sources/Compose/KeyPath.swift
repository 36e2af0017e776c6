/// Where a value sits in the compose file, spelled the way a user would look for it:
/// `guests.web.networks[1].ip`, or `guests.web.files["./site"]` for keys that are not names.
struct KeyPath: Sendable, CustomStringConvertible {
    private(set) var description: String

    static let root = KeyPath(description: "")

    func key(_ k: String) -> KeyPath {
        let plain = !k.isEmpty && k.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
        let part = plain ? k : "[\"\(k)\"]"
        if description.isEmpty { return KeyPath(description: part) }
        return KeyPath(description: description + (plain ? "." : "") + part)
    }

    func index(_ i: Int) -> KeyPath { KeyPath(description: description + "[\(i)]") }
}
