import Artefacts
import Core
import YAML

/// A guest's extra `user_data` file, read with the located YAML reader (errors name the file,
/// line and column) and turned into the artefacts' cloud-config value tree.
enum UserDataFile {
    static func load(_ path: String) throws -> CloudConfigValue {
        do { return convert(try YAMLReader.read(path: path)) } catch let e as YAMLError {
            throw TBError(.invalidInput, "user_data \(path) is not valid YAML",
                          cause: e.issues.map { "\($0.mark.map { "\($0): " } ?? "")\($0.message)" }.joined(separator: "\n"))
        }
    }

    static func convert(_ node: Node) -> CloudConfigValue {
        switch node.content {
        case .mapping(let pairs):
            return .map(pairs.map { CloudConfigValue.Entry($0.key.scalar?.value ?? "", convert($0.value)) })
        case .sequence(let items):
            return .list(items.map(convert))
        case .scalar(let s):
            switch s.resolved {
            case .null: return .null
            case .bool(let b): return .bool(b)
            case .int(let i): return .int(i)
            case .float(let d): return .float(d)
            case .string(let v): return .string(v)
            }
        }
    }
}
