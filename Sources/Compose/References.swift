import Core

/// Names a guest refers to (its image, host and networks) must be defined.
enum References {
    static func check(_ guests: [GuestDraft], images: [String], hosts: [String], networks: [String], ctx: DecodeContext) {
        for g in guests {
            if let r = g.image { resolve(r, kind: "image", plural: "images", among: images, ctx: ctx) }
            if let r = g.host { resolve(r, kind: "host", plural: "hosts", among: hosts, ctx: ctx) }
            for nic in g.nics {
                if let r = nic.network { resolve(r, kind: "network", plural: "networks", among: networks, ctx: ctx) }
            }
        }
    }

    private static func resolve(_ ref: Located<String>, kind: String, plural: String, among names: [String], ctx: DecodeContext) {
        guard !names.contains(ref.value) else { return }
        let message: String
        if let near = Suggestions.closest(to: ref.value, among: names) {
            message = "unknown \(kind) `\(ref.value)`; did you mean `\(near)`?"
        } else if names.isEmpty {
            message = "unknown \(kind) `\(ref.value)`: no \(plural) are defined"
        } else {
            message = "unknown \(kind) `\(ref.value)` (defined: \(names.joined(separator: ", ")))"
        }
        ctx.error(ref.mark, ref.path, message)
    }
}
