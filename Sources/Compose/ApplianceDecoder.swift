import ComposeModel
import Core
import YAML

/// The keys of a guest whose image is not a cloud image (issue 16): `seed: none`, `login:`,
/// `wait:` and `disk: {copy: full}`, and the rules between them and the keys that need a
/// login (setup, files, golden setup) or a seed (user_data).
enum ApplianceDecoder {
    /// `seed: cloud-init` (the default) or `seed: none`.
    static func seed(_ node: Node, _ path: KeyPath, ctx: DecodeContext) -> Bool? {
        guard let s = Values.string(node, path, ctx: ctx) else { return nil }
        switch s {
        case "cloud-init": return true
        case "none": return false
        default:
            ctx.error(node.mark, path, "`\(s)` is not one of `cloud-init`, `none`" + Suggestions.hint(for: s, among: ["cloud-init", "none"]))
            return nil
        }
    }

    /// `login: {user: admin, key: keys/admin}` or `{user: admin, password_file: secret.txt}`.
    static func login(_ node: Node, _ path: KeyPath, keyMark: Mark?, ctx: DecodeContext) -> LoginSpec? {
        guard let f = Fields(node, path, allowed: ["user", "key", "password_file"], ctx: ctx) else { return nil }
        let owner = keyMark ?? node.mark
        guard let userNode = f.required("user", ownerMark: owner, ctx: ctx),
              let user = Values.string(userNode, path.key("user"), ctx: ctx) else { return nil }
        if !Names.isUser(user) { ctx.error(userNode.mark, path.key("user"), "invalid user name `\(user)`: \(Names.userRule)") }
        let key = f["key"].flatMap { PathRules.existing($0, path.key("key"), .file, what: "login key file", ctx: ctx) }
        let password = f["password_file"].flatMap { PathRules.existing($0, path.key("password_file"), .file, what: "login password file", ctx: ctx) }
        switch (f["key"], f["password_file"]) {
        case (nil, nil):
            ctx.error(owner, path, "a login needs `key:` (a private key file) or `password_file:`")
            return nil
        case (.some, .some):
            ctx.error(f.keyMark("password_file"), path.key("password_file"), "give either `key:` or `password_file:`, not both")
            return nil
        default:
            guard key != nil || password != nil else { return nil }
            return LoginSpec(user: user, keyFile: key, passwordFile: password)
        }
    }

    /// `wait: ssh`, `wait: none` or `wait: port 8080`.
    static func wait(_ node: Node, _ path: KeyPath, ctx: DecodeContext) -> WaitSpec? {
        guard let s = Values.string(node, path, ctx: ctx) else { return nil }
        let words = s.split(separator: " ", omittingEmptySubsequences: true)
        switch words.first {
        case "ssh" where words.count == 1: return .ssh
        case "none" where words.count == 1: return WaitSpec.none
        case "port" where words.count == 2:
            if let n = Int(words[1]), (1...65535).contains(n) { return .port(n) }
            ctx.error(node.mark, path, "`\(s)`: the port must be a number from 1 to 65535")
            return nil
        default:
            ctx.error(node.mark, path, "`\(s)` is not `ssh`, `port N` or `none`")
            return nil
        }
    }

    /// `disk: 8GiB`, or `disk: {size: 8GiB, copy: full|linked}`.
    static func disk(_ node: Node, _ path: KeyPath, size: (Node, KeyPath) -> Int64?, ctx: DecodeContext) -> (Int64?, Bool) {
        guard node.mapping != nil else { return (size(node, path), false) }
        guard let f = Fields(node, path, allowed: ["size", "copy"], ctx: ctx) else { return (nil, false) }
        let bytes = f["size"].flatMap { size($0, path.key("size")) }
        guard let copy = f["copy"], let s = Values.string(copy, path.key("copy"), ctx: ctx) else { return (bytes, false) }
        switch s {
        case "full": return (bytes, true)
        case "linked": return (bytes, false)
        default:
            ctx.error(copy.mark, path.key("copy"), "`\(s)` is not one of `linked`, `full`" + Suggestions.hint(for: s, among: ["linked", "full"]))
            return (bytes, false)
        }
    }

    /// What a guest without a seed cannot have, and what a login is for; each error at its key.
    static func check(_ g: GuestDraft, _ f: Fields, ctx: DecodeContext) {
        let name = "guest `\(g.name)`"
        if g.seed, f["login"] != nil {
            ctx.error(f.keyMark("login"), g.path.key("login"),
                      "`login` is for images without cloud-init (`seed: none`); \(name) gets the project key from its seed")
        }
        guard !g.seed else { return }
        if f["user_data"] != nil {
            ctx.error(f.keyMark("user_data"), g.path.key("user_data"), "`user_data` needs cloud-init, and \(name) has `seed: none`")
        }
        guard g.login == nil, f["login"] == nil else { return }
        let why = "\(name) has `seed: none` and no `login:`, so tbctl cannot log in to it"
        for key in ["setup", "files"] where f[key] != nil {
            ctx.error(f.keyMark(key), g.path.key(key), "`\(key)` needs a login: \(why)")
        }
        if f["golden"] != nil { ctx.error(f.keyMark("golden"), g.path.key("golden"), "`golden` needs a login: \(why)") }
        if g.wait == .ssh { ctx.error(f.keyMark("wait"), g.path.key("wait"), "`wait: ssh` needs a login: \(why)") }
    }
}
