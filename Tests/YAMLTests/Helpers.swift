import Core
import Testing
@testable import YAML

/// Reads `text` as file "t.yaml", or records the failure and returns nil.
func parse(_ text: String, budget: Int = YAMLReader.defaultNodeBudget) throws -> Node {
    try YAMLReader.read(text: text, file: "t.yaml", nodeBudget: budget)
}

/// The issues a text produces; fails the test when it parses.
func issues(_ text: String, budget: Int = YAMLReader.defaultNodeBudget,
            sourceLocation: SourceLocation = #_sourceLocation) -> [YAMLError.Issue] {
    do {
        _ = try parse(text, budget: budget)
        Issue.record("expected a YAML error", sourceLocation: sourceLocation)
        return []
    } catch let e as YAMLError {
        return e.issues
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        return []
    }
}

func at(_ line: Int, _ column: Int) -> Mark { Mark(file: "t.yaml", line: line, column: column) }

/// Keys of a mapping node and the scalar text of its values, for compact assertions.
func flat(_ node: Node?) -> [String] {
    (node?.mapping ?? []).map { "\($0.key.scalar?.value ?? "?")=\($0.value.scalar?.value ?? "…")" }
}
