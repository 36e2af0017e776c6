import CLibYAML
import Core
import Foundation

/// Reads one YAML document into a located node tree through libyaml's event API.
/// The root must be a mapping: every file tbctl reads (testbed.yaml, extra cloud-config) is one.
public enum YAMLReader {
    /// Enough for any hand-written file, small enough that an alias bomb fails fast.
    public static let defaultNodeBudget = 200_000

    /// Reads `path`; marks name the file as `displayName` (default: `path` as given).
    /// Throws YAMLError for YAML problems and TBError(.io) when the file cannot be read.
    public static func read(path: String, displayName: String? = nil,
                            nodeBudget: Int = defaultNodeBudget) throws -> Node {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TBError(.io, "cannot read \(path)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw YAMLError(Mark(file: displayName ?? path, line: 1, column: 1), "the file is not valid UTF-8")
        }
        return try read(text: text, file: displayName ?? path, nodeBudget: nodeBudget)
    }

    /// Reads `text`; marks name it `file`. Throws YAMLError.
    public static func read(text: String, file: String, nodeBudget: Int = defaultNodeBudget) throws -> Node {
        var builder = TreeBuilder(budget: nodeBudget)
        try EventStream.run(text: text, file: file) { event in try feed(event, to: &builder, file: file) }
        if !builder.issues.isEmpty { throw YAMLError(builder.issues) }
        return try checkRoot(builder.root, file: file)
    }

    private static func checkRoot(_ root: Node?, file: String) throws -> Node {
        let start = Mark(file: file, line: 1, column: 1)
        guard let root else { throw YAMLError(start, "the document is empty: expected a mapping") }
        switch root.content {
        case .mapping: return root
        case .scalar(let s) where s.isPlain && s.value.isEmpty:
            throw YAMLError(root.mark, "the document is empty: expected a mapping")
        case .scalar: throw YAMLError(root.mark, "the document must be a mapping (key: value), not a scalar")
        case .sequence: throw YAMLError(root.mark, "the document must be a mapping (key: value), not a list")
        }
    }

    private static func feed(_ e: yaml_event_t, to b: inout TreeBuilder, file: String) throws {
        let mark = Mark(file: file, line: Int(e.start_mark.line) + 1, column: Int(e.start_mark.column) + 1)
        switch e.type {
        case YAML_DOCUMENT_START_EVENT: try b.documentStart(at: mark)
        case YAML_SCALAR_EVENT:
            let s = e.data.scalar
            let value = String(decoding: UnsafeBufferPointer(start: s.value, count: Int(s.length)), as: UTF8.self)
            let scalar = Scalar(value, style: style(s.style), tag: string(s.tag))
            try b.scalar(scalar, anchor: string(s.anchor), at: mark)
        case YAML_ALIAS_EVENT: try b.alias(string(e.data.alias.anchor) ?? "", at: mark)
        case YAML_SEQUENCE_START_EVENT:
            let s = e.data.sequence_start
            try b.sequenceStart(tag: string(s.tag), anchor: string(s.anchor), at: mark)
        case YAML_SEQUENCE_END_EVENT: b.sequenceEnd()
        case YAML_MAPPING_START_EVENT:
            let m = e.data.mapping_start
            try b.mappingStart(tag: string(m.tag), anchor: string(m.anchor), at: mark)
        case YAML_MAPPING_END_EVENT: b.mappingEnd()
        default: break  // stream start/end, document end: nothing to build
        }
    }

    private static func style(_ s: yaml_scalar_style_t) -> Scalar.Style {
        switch s {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE: .singleQuoted
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: .doubleQuoted
        case YAML_LITERAL_SCALAR_STYLE: .literal
        case YAML_FOLDED_SCALAR_STYLE: .folded
        default: .plain
        }
    }

    private static func string(_ p: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        p.map { String(cString: $0) }
    }
}
