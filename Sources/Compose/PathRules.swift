import Core
import Foundation
import YAML

/// Paths in the compose file: relative to the compose file's folder, `~` for $HOME; the model
/// holds them absolute. Files they name must exist when the file is loaded, so a typo shows up
/// now rather than halfway through `up`.
enum PathRules {
    enum Kind { case file, fileOrFolder }

    static func parent(_ path: String) -> String {
        let p = normalize(path)
        guard let slash = p.lastIndex(of: "/") else { return "." }
        return slash == p.startIndex ? "/" : String(p[..<slash])
    }

    /// The folder part of a path as the user typed it ("" for a bare file name).
    static func displayParent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func absolute(_ raw: String, ctx: DecodeContext) -> String {
        if raw == "~" { return normalize(ctx.home) }
        if raw.hasPrefix("~/") { return normalize(ctx.home + raw.dropFirst(1)) }
        if raw.hasPrefix("/") { return normalize(raw) }
        return normalize(ctx.folder + "/" + raw)
    }

    /// A referenced file as the user would name it next to the compose file, for marks.
    static func display(_ raw: String, ctx: DecodeContext) -> String {
        if raw.hasPrefix("/") || raw.hasPrefix("~") { return absolute(raw, ctx: ctx) }
        return normalize(ctx.displayFolder.isEmpty ? raw : ctx.displayFolder + "/" + raw)
    }

    /// Removes `.`, `..` and repeated slashes without touching the file system (no symlinks
    /// resolved: the user's path is what they see in messages).
    static func normalize(_ path: String) -> String {
        let absolute = path.hasPrefix("/")
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            switch part {
            case ".": continue
            case "..": if let last = parts.last, last != ".." { parts.removeLast() } else if !absolute { parts.append(part) }
            default: parts.append(part)
            }
        }
        let joined = parts.joined(separator: "/")
        return absolute ? "/" + joined : (joined.isEmpty ? "." : joined)
    }

    /// The absolute path of an existing file or folder, or nil with the problem reported.
    /// `what` names the role ("setup script") so the message says which reference is wrong.
    static func existing(_ node: Node, _ path: KeyPath, _ kind: Kind, what: String, ctx: DecodeContext) -> String? {
        guard let raw = Values.string(node, path, ctx: ctx) else { return nil }
        return existing(raw: raw, mark: node.mark, path, kind, what: what, ctx: ctx)
    }

    static func existing(raw: String, mark: Mark, _ path: KeyPath, _ kind: Kind, what: String, ctx: DecodeContext) -> String? {
        let abs = absolute(raw, ctx: ctx)
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: abs, isDirectory: &isDir) else {
            ctx.error(mark, path, "\(what) not found: \(abs)")
            return nil
        }
        if kind == .file && isDir.boolValue {
            ctx.error(mark, path, "\(what) is a folder, expected a file: \(abs)")
            return nil
        }
        return abs
    }
}
