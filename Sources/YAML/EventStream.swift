import CLibYAML
import Core

/// The libyaml parser loop: owns the parser and each event's memory, and turns a parse
/// failure into a YAMLError with libyaml's own words and position.
enum EventStream {
    static func run(text: String, file: String, _ body: (yaml_event_t) throws -> Void) throws {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { throw YAMLError(nil, "libyaml: out of memory") }
        defer { yaml_parser_delete(&parser) }
        let bytes = Array(text.utf8)
        try bytes.withUnsafeBufferPointer { buf in
            yaml_parser_set_input_string(&parser, buf.baseAddress, buf.count)
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            var event = yaml_event_t()
            while true {
                guard yaml_parser_parse(&parser, &event) == 1 else { throw parseError(parser, file: file) }
                defer { yaml_event_delete(&event) }
                if event.type == YAML_STREAM_END_EVENT { return }
                try body(event)
            }
        }
    }

    /// libyaml reports a problem and, often, what it was in the middle of ("while parsing a
    /// block mapping") with where that started: both help to find an indentation mistake.
    static func parseError(_ p: yaml_parser_t, file: String) -> YAMLError {
        let mark = Mark(file: file, line: Int(p.problem_mark.line) + 1, column: Int(p.problem_mark.column) + 1)
        var message = p.problem.map { String(cString: $0) } ?? "invalid YAML"
        if let context = p.context.map({ String(cString: $0) }) {
            message += " (\(context) at line \(p.context_mark.line + 1), column \(p.context_mark.column + 1))"
        }
        return YAMLError(mark, message)
    }
}
