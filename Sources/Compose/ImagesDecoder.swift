import ComposeModel
import Vocabulary
import YAML

/// `images:`: base images by name. `name: ./path` is short for `name: {source: ./path}`.
enum ImagesDecoder {
    static let keys = ["source", "sha256", "format"]

    /// Every named image, even one with errors (its source is then empty and the load fails),
    /// so that guests naming it are not also reported as pointing at an unknown image.
    static func decode(_ node: Node?, ctx: DecodeContext) -> [ImageSpec] {
        Fields.entries(of: node, .root.key("images"), ctx: ctx).map { image($0, ctx: ctx) }
    }

    private static func image(_ e: NamedEntry, ctx: DecodeContext) -> ImageSpec {
        if !Names.isObject(e.name) { ctx.error(e.keyMark, e.path, "invalid image name `\(e.name)`: \(Names.objectRule)") }
        var spec = ImageSpec(name: e.name, mark: e.keyMark, source: "", sha256: nil, format: nil)
        if e.value.scalar != nil && !e.value.isNull {
            spec.source = source(e.value, e.path, ctx: ctx) ?? ""
            return spec
        }
        guard let f = Fields(e.value, e.path, allowed: keys, ctx: ctx) else { return spec }
        if let s = f.required("source", ownerMark: e.keyMark, ctx: ctx) {
            spec.source = source(s, e.path.key("source"), ctx: ctx) ?? ""
        }
        spec.sha256 = f["sha256"].flatMap { sha256($0, e.path.key("sha256"), ctx: ctx) }
        spec.format = f["format"].flatMap { Values.choice($0, e.path.key("format"), ImageFormat.self, ctx: ctx) }
        return spec
    }

    /// An http(s) URL as written, or an existing local file made absolute.
    private static func source(_ node: Node, _ path: KeyPath, ctx: DecodeContext) -> String? {
        guard let s = Values.string(node, path, ctx: ctx) else { return nil }
        guard let scheme = urlScheme(s) else {
            return PathRules.existing(raw: s, mark: node.mark, path, .file, what: "image file", ctx: ctx)
        }
        let rest = s.dropFirst(scheme.count + 3)
        guard ["http", "https"].contains(scheme.lowercased()) else {
            ctx.error(node.mark, path, "unsupported URL scheme `\(scheme)`: use http://, https:// or a local path")
            return nil
        }
        guard !rest.isEmpty, !rest.hasPrefix("/"), !s.contains(where: \.isWhitespace) else {
            ctx.error(node.mark, path, "invalid URL `\(s)`: expected one like https://example.org/image.qcow2")
            return nil
        }
        return s
    }

    /// `scheme` of `scheme://...`, or nil for a path.
    private static func urlScheme(_ s: String) -> String? {
        let scheme = s.prefix { $0.isASCII && ($0.isLetter || $0.isNumber || "+.-".contains($0)) }
        guard let first = scheme.first, first.isLetter, s.dropFirst(scheme.count).hasPrefix("://") else { return nil }
        return String(scheme)
    }

    private static func sha256(_ node: Node, _ path: KeyPath, ctx: DecodeContext) -> String? {
        guard let s = Values.string(node, path, ctx: ctx) else { return nil }
        guard s.count == 64, s.allSatisfy({ $0.isASCII && $0.isHexDigit }) else {
            ctx.error(node.mark, path, "invalid sha256 `\(s)`: expected 64 hex digits")
            return nil
        }
        return s.lowercased()
    }
}
