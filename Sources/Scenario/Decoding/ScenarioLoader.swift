import Core
import Foundation
import YAML

/// Reads a scenario file into a checked Scenario, or throws a ScenarioError holding every
/// problem the file has on its own (the testbed-dependent checks come in Expansion).
public enum ScenarioLoader {
    /// `path` as the user gave it (marks use it); relative paths resolve against the current folder.
    public static func load(path: String) throws -> Scenario {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        guard let data = FileManager.default.contents(atPath: absolute) else {
            throw TBError(.notFound, "cannot read the scenario file \(absolute)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ScenarioError([Problem(mark: Mark(file: path, line: 1, column: 1), path: "", message: "the file is not valid UTF-8")])
        }
        let folder = URL(fileURLWithPath: absolute).deletingLastPathComponent().standardizedFileURL.path
        return try load(text: text, file: path, folder: folder)
    }

    /// Parses `text`; `file` names it in marks, `folder` is where relative `copy` sources are.
    public static func load(text: String, file: String, folder: String) throws -> Scenario {
        let problems = Problems()
        let scenario = decode(text: text, file: file, folder: folder, problems: problems)
        guard let scenario, problems.isEmpty else { throw ScenarioError(problems.all) }
        return scenario
    }

    /// The scenario and the problems found, for callers that report them with later ones.
    public static func decode(text: String, file: String, folder: String, problems: Problems) -> Scenario? {
        let root: Node
        do {
            root = try YAMLReader.read(text: text, file: file)
        } catch let e as YAMLError {
            for issue in e.issues { problems.add(issue.mark, .root, issue.message) }
            return nil
        } catch {
            problems.add(nil, .root, TBError.describe(error))
            return nil
        }
        let r = Reader(problems: problems)
        guard let fields = r.fields(root, .root, allowed: ["description", "vars", "stages"]) else { return nil }
        if let d = fields["description"] { _ = r.text(d.value, .root.key("description")) }
        let vars = fields["vars"].map { decodeVars($0.value, r) } ?? []
        guard let stagesPair = fields["stages"] else {
            problems.add(root.mark, .root, "missing required key `stages` (a list of stages, each with `jobs`)")
            return nil
        }
        let stageNodes = r.list(stagesPair.value, .root.key("stages")) ?? []
        if stageNodes.isEmpty && stagesPair.value.sequence != nil {
            problems.add(stagesPair.value.mark, .root.key("stages"), "the scenario has no stages")
        }
        let stages = stageNodes.enumerated().compactMap { i, node in
            StageDecoder.decode(node, index: i, path: .root.key("stages").index(i), r)
        }
        checkUniqueStageNames(stages, problems)
        return Scenario(file: file, text: text, folder: folder, vars: vars, stages: stages)
    }

    static func decodeVars(_ node: Node, _ r: Reader) -> [Variable] {
        if node.isNull { return [] }
        guard let pairs = node.mapping else {
            r.error(node, .root.key("vars"), "expected a mapping of names to values, got \(Reader.describe(node))")
            return []
        }
        return pairs.compactMap { pair in
            guard let name = pair.key.scalar?.value, Names.isVariable(name) else {
                r.error(pair.key, .root.key("vars"), "`\(pair.key.scalar?.value ?? "?")` is not a variable name (letters, digits, `_`, `-`; starting with a letter)")
                return nil
            }
            let path = Path.root.key("vars").key(name)
            guard pair.value.scalar != nil, !pair.value.isNull else {
                r.error(pair.value, path, "a variable holds one value (a string or number), got \(Reader.describe(pair.value))")
                return nil
            }
            return Variable(name: name, value: pair.value.scalar!.value, mark: pair.key.mark)
        }
    }

    static func checkUniqueStageNames(_ stages: [Stage], _ problems: Problems) {
        var seen: [String: Mark] = [:]
        for s in stages {
            if let first = seen[s.name] {
                problems.add(s.mark, .root.key("stages").index(s.index).key("name"),
                             "a stage named `\(s.name)` is already defined at line \(first.line), column \(first.column)")
            } else {
                seen[s.name] = s.mark
            }
        }
    }
}

enum Names {
    static func isVariable(_ s: String) -> Bool {
        guard let first = s.first, first.isASCII, first.isLetter else { return false }
        return s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
    }
}
