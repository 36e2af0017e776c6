import Core
import YAML

/// `user_data:`: extra cloud-config merged into the generated one. It is read now, with the
/// same reader, so that a mistake in it is reported at its own file:line:column.
enum UserData {
    static func check(_ node: Node, _ path: KeyPath, ctx: DecodeContext) -> String? {
        guard let abs = PathRules.existing(node, path, .file, what: "user_data file", ctx: ctx),
              let raw = node.scalar?.value else { return nil }
        do {
            _ = try YAMLReader.read(path: abs, displayName: PathRules.display(raw, ctx: ctx))
            return abs
        } catch let e as YAMLError {
            ctx.report(e, at: path)
        } catch {
            ctx.error(node.mark, path, "cannot read user_data file \(abs): \(TBError.describe(error))")
        }
        return nil
    }
}
