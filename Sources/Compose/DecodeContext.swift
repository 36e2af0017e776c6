import ComposeModel
import Core
import YAML

/// State shared by the section decoders of one compose file: where it is, and the problems
/// found so far. Decoders never stop at the first problem; they report and go on, so that
/// one run shows every mistake.
final class DecodeContext {
    /// The compose file as the user named it; marks use this name.
    let file: String
    /// The compose file's folder, absolute: relative paths in the file are resolved against it.
    let folder: String
    /// The folder as the user named it, for naming files the compose file refers to in marks.
    let displayFolder: String
    /// Expands `~` in paths (identity, sources).
    let home: String
    private(set) var diagnostics: [Diagnostic] = []

    init(file: String, absolutePath: String, home: String) {
        self.file = file
        self.folder = PathRules.parent(absolutePath)
        self.displayFolder = PathRules.displayParent(file)
        self.home = home
    }

    func error(_ mark: Mark?, _ path: KeyPath, _ message: String) {
        diagnostics.append(Diagnostic(mark: mark, path: path.description, message: message))
    }

    /// Errors of a YAML file the compose file refers to (user_data), located in that file.
    func report(_ yaml: YAMLError, at path: KeyPath) {
        for issue in yaml.issues { error(issue.mark, path, issue.message) }
    }

    var hasErrors: Bool { !diagnostics.isEmpty }

    /// File order: the compose file first, then other files by name; within one, line then column.
    var sortedDiagnostics: [Diagnostic] {
        diagnostics.enumerated().sorted { a, b in
            let ka = sortKey(a.element.mark), kb = sortKey(b.element.mark)
            if ka.0 != kb.0 { return ka.0 < kb.0 }
            if ka.1 != kb.1 { return ka.1 < kb.1 }
            if ka.2 != kb.2 { return ka.2 < kb.2 }
            if ka.3 != kb.3 { return ka.3 < kb.3 }
            return a.offset < b.offset
        }.map(\.element)
    }

    private func sortKey(_ m: Mark?) -> (Int, String, Int, Int) {
        guard let m else { return (0, "", 0, 0) }
        return (m.file == file ? 1 : 2, m.file, m.line, m.column)
    }
}
