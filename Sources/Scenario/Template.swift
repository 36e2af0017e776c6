import Core
import Foundation
import YAML

/// A string of the scenario with `{{ reference }}` parts, parsed once when the file is read.
/// References are checked against the testbed before anything runs (Expansion) and filled in
/// when a job starts (Render), so a template never fails halfway through a run.
public struct Template: Sendable, Equatable, CustomStringConvertible {
    public enum Part: Sendable, Equatable {
        case text(String)
        case reference(Reference)
    }

    public var parts: [Part]
    /// Where the template's value starts in the file.
    public var mark: Mark

    public init(parts: [Part], mark: Mark) { self.parts = parts; self.mark = mark }

    /// A template without references.
    public static func literal(_ text: String, mark: Mark) -> Template { Template(parts: [.text(text)], mark: mark) }

    public var references: [Reference] {
        parts.compactMap { if case .reference(let r) = $0 { return r } else { return nil } }
    }

    /// The text as written, `{{ }}` and all.
    public var description: String {
        parts.map { part in
            switch part {
            case .text(let t): return t
            case .reference(let r): return "{{ \(r.path.joined(separator: ".")) }}"
            }
        }.joined()
    }

    /// The text when there are no references.
    public var literalText: String? {
        references.isEmpty ? parts.map { if case .text(let t) = $0 { return t } else { return "" } }.joined() : nil
    }
}

/// `{{ guests.web-0.ip.lan }}`: a dotted path, and where it is written.
public struct Reference: Sendable, Equatable {
    public var path: [String]
    public var mark: Mark
    public init(path: [String], mark: Mark) { self.path = path; self.mark = mark }
    public var text: String { path.joined(separator: ".") }
}

extension Template {
    /// Parses `text`, the value of a scalar node written at `node`. A reference's mark is exact
    /// for scalars on one line without escapes (where the column can be computed), else the
    /// scalar's own start. Returns nil and reports when a `{{` is not closed or is empty.
    static func parse(_ text: String, scalar: Scalar?, at mark: Mark, path: Path, problems: Problems) -> Template? {
        var parts: [Part] = []
        var rest = Substring(text)
        var offset = 0   // characters consumed so far
        var ok = true
        while let open = rest.range(of: "{{") {
            let before = rest[..<open.lowerBound]
            if !before.isEmpty { parts.append(.text(String(before))) }
            offset += before.count
            let refMark = columnMark(mark, scalar: scalar, text: text, offset: offset)
            let afterOpen = rest[open.upperBound...]
            guard let close = afterOpen.range(of: "}}") else {
                problems.add(refMark, path, "`{{` is not closed with `}}`")
                return nil
            }
            let inner = afterOpen[..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            let words = inner.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            if inner.isEmpty || words.contains(where: { $0.isEmpty || $0.contains(where: \.isWhitespace) }) {
                problems.add(refMark, path, inner.isEmpty ? "empty `{{ }}`" : "`{{ \(inner) }}` is not a reference like `vars.name` or `guests.web-0.ip.lan`")
                ok = false
            } else {
                parts.append(.reference(Reference(path: words, mark: refMark)))
            }
            offset += 2 + afterOpen[..<close.upperBound].count
            rest = afterOpen[close.upperBound...]
        }
        if !rest.isEmpty { parts.append(.text(String(rest))) }
        return ok ? Template(parts: parts, mark: mark) : nil
    }

    /// The column of the character at `offset` in the scalar's value, when the value is laid
    /// out on the line as written; otherwise the scalar's start.
    private static func columnMark(_ mark: Mark, scalar: Scalar?, text: String, offset: Int) -> Mark {
        guard let scalar, !text.contains("\n") else { return mark }
        var m = mark
        switch scalar.style {
        case .plain: m.column += offset
        case .singleQuoted where !text.contains("'"): m.column += offset + 1
        case .doubleQuoted where !text.contains("\\") && !text.contains("\""): m.column += offset + 1
        default: return mark
        }
        return m
    }
}
