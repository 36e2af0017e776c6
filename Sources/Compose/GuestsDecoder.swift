import YAML

/// `guests:`: single guests, and services (`replicas: N`: N linked clones of a golden image).
enum GuestsDecoder {
    static let keys = ["image", "cpus", "memory", "disk", "host", "networks", "setup", "files", "env",
                       "user_data", "replicas", "golden", "seed", "login", "wait"]

    static func decode(_ node: Node?, ctx: DecodeContext) -> [GuestDraft] {
        Fields.entries(of: node, .root.key("guests"), ctx: ctx).map { guest($0, ctx: ctx) }
    }

    private static func guest(_ e: NamedEntry, ctx: DecodeContext) -> GuestDraft {
        if !Names.isGuest(e.name) { ctx.error(e.keyMark, e.path, "invalid guest name `\(e.name)`: \(Names.guestRule)") }
        var g = GuestDraft(name: e.name, keyMark: e.keyMark, path: e.path)
        guard let f = Fields(e.value, e.path, allowed: keys, ctx: ctx) else { return g }
        // replicas first: whether this is a service changes what its other keys may say.
        if let node = f["replicas"] {
            g.replicas = Values.int(node, e.path.key("replicas"), min: 0, ctx: ctx)
            g.replicasMark = node.mark
        }
        g.image = located(f.required("image", ownerMark: e.keyMark, ctx: ctx), e.path.key("image"), ctx: ctx)
        g.host = located(f["host"], e.path.key("host"), ctx: ctx)
        g.cpus = f["cpus"].flatMap { Values.int($0, e.path.key("cpus"), min: 1, ctx: ctx) } ?? 1
        g.memoryMiB = f["memory"].flatMap { Sizes.mebibytes($0, e.path.key("memory"), min: 64, ctx: ctx) } ?? 512
        if let node = f["disk"] {
            (g.diskBytes, g.fullCopy) = ApplianceDecoder.disk(node, e.path.key("disk"), size: { disk($0, $1, ctx: ctx) }, ctx: ctx)
        }
        g.seed = f["seed"].flatMap { ApplianceDecoder.seed($0, e.path.key("seed"), ctx: ctx) } ?? true
        g.login = f["login"].flatMap { ApplianceDecoder.login($0, e.path.key("login"), keyMark: f.keyMark("login"), ctx: ctx) }
        g.wait = f["wait"].flatMap { ApplianceDecoder.wait($0, e.path.key("wait"), ctx: ctx) }
        if let node = f["networks"] {
            g.nics = GuestNICsDecoder.decode(node, e.path.key("networks"), isService: f["replicas"] != nil, ctx: ctx)
        }
        g.setup = f["setup"].flatMap { PathRules.existing($0, e.path.key("setup"), .file, what: "setup script", ctx: ctx) }
        g.files = f["files"].map { GuestFilesDecoder.files($0, e.path.key("files"), ctx: ctx) } ?? []
        g.env = f["env"].map { GuestFilesDecoder.env($0, e.path.key("env"), ctx: ctx) } ?? []
        g.userData = f["user_data"].flatMap { UserData.check($0, e.path.key("user_data"), ctx: ctx) }
        if let node = f["golden"] {
            g.goldenSetup = golden(node, f, e, isService: f["replicas"] != nil, ctx: ctx)
        }
        ApplianceDecoder.check(g, f, ctx: ctx)
        return g
    }

    private static func located(_ node: Node?, _ path: KeyPath, ctx: DecodeContext) -> Located<String>? {
        guard let node, let s = Values.string(node, path, ctx: ctx) else { return nil }
        return Located(value: s, mark: node.mark, path: path)
    }

    /// A disk smaller than 1 MiB is certainly a forgotten unit (`disk: 8` is 8 MiB already).
    private static func disk(_ node: Node, _ path: KeyPath, ctx: DecodeContext) -> Int64? {
        guard let b = Sizes.bytes(node, path, ctx: ctx) else { return nil }
        guard b >= Sizes.mib else {
            ctx.error(node.mark, path, "must be at least 1 MiB, got \(b) bytes")
            return nil
        }
        return b
    }

    /// `golden: {setup: script}`: the script run once in the golden image all clones share.
    private static func golden(_ node: Node, _ f: Fields, _ e: NamedEntry, isService: Bool, ctx: DecodeContext) -> String? {
        let path = e.path.key("golden")
        guard isService else {
            ctx.error(f.keyMark("golden"), path, "`golden` is only for services: add `replicas:` or remove it")
            return nil
        }
        guard let g = Fields(node, path, allowed: ["setup"], ctx: ctx),
              let setup = g.required("setup", ownerMark: f.keyMark("golden") ?? node.mark, ctx: ctx) else { return nil }
        return PathRules.existing(setup, path.key("setup"), .file, what: "golden setup script", ctx: ctx)
    }
}
