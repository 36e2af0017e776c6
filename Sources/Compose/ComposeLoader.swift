import ComposeModel
import Core
import Foundation
import YAML

/// Reads testbed.yaml into a validated ComposeFile, or throws a ComposeError holding every
/// problem found, sorted by position, each with file:line:column and its key path.
public enum ComposeLoader {
    public static func load(path: String) throws -> ComposeFile {
        try load(path: path, home: defaultHome)
    }

    public static func load(text: String, path: String) throws -> ComposeFile {
        try load(text: text, path: path, home: defaultHome)
    }

    /// `home` replaces $HOME for `~` in paths (identity, sources): tests use their own.
    public static func load(path: String, home: String) throws -> ComposeFile {
        let absolute = absolutePath(path)
        guard let data = FileManager.default.contents(atPath: absolute) else {
            throw ComposeError([Diagnostic(mark: nil, path: "", message: "cannot read the compose file \(absolute)")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ComposeError([Diagnostic(mark: Mark(file: path, line: 1, column: 1), path: "",
                                           message: "the compose file is not valid UTF-8")])
        }
        return try load(text: text, path: path, home: home)
    }

    /// `path` names the file in messages and locates relative paths; the file itself is not read.
    public static func load(text: String, path: String, home: String) throws -> ComposeFile {
        let absolute = absolutePath(path)
        let ctx = DecodeContext(file: path, absolutePath: absolute, home: home)
        let root: Node
        do {
            root = try YAMLReader.read(text: text, file: path)
        } catch let e as YAMLError {
            ctx.report(e, at: .root)
            throw ComposeError(ctx.sortedDiagnostics)
        }
        let file = ComposeDecoder.decode(root, absolutePath: absolute, ctx: ctx)
        guard let file, !ctx.hasErrors else { throw ComposeError(ctx.sortedDiagnostics) }
        return file
    }

    static var defaultHome: String {
        ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
    }

    static func absolutePath(_ path: String) -> String {
        PathRules.normalize(path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path)
    }
}
