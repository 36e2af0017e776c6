import Core

/// An item with its templates filled in.
public enum RenderedItem: Sendable, Equatable, CustomStringConvertible {
    case value(String)
    case fields([String: String])

    public var description: String {
        switch self {
        case .value(let v): return v
        case .fields(let f): return "{" + f.keys.sorted().map { "\($0): \(f[$0]!)" }.joined(separator: ", ") + "}"
        }
    }
}

/// Everything a template can refer to when a job starts.
public struct RenderContext: Sendable {
    public var vars: [String: String]
    public var item: RenderedItem?
    public var target: Target?
    public var facts: Facts
    public var runID: String
    public var stage: String

    public init(vars: [String: String], item: RenderedItem? = nil, target: Target? = nil, facts: Facts,
                runID: String, stage: String) {
        self.vars = vars; self.item = item; self.target = target; self.facts = facts; self.runID = runID; self.stage = stage
    }
}

/// Fills in templates. Expansion checked every reference already, so the only failures left
/// are values that do not exist yet: a var whose registering job failed, an address of a
/// clone a failed scale did not make.
public enum Render {
    public static func render(_ t: Template, _ ctx: RenderContext) throws -> String {
        try t.parts.map { part in
            switch part {
            case .text(let s): return s
            case .reference(let r):
                guard let v = value(r.path, ctx) else {
                    throw TBError(.invalidInput, "`{{ \(r.text) }}` (\(r.mark)) has no value" + why(r.path, ctx))
                }
                return v
            }
        }.joined()
    }

    /// For `--dry-run`: what is not known before the run shows as `<vars.last>`.
    public static func lenient(_ t: Template, _ ctx: RenderContext) -> String {
        t.parts.map { part in
            switch part {
            case .text(let s): return s
            case .reference(let r): return value(r.path, ctx) ?? "<\(r.text)>"
            }
        }.joined()
    }

    public static func item(_ item: Item, _ ctx: RenderContext) throws -> RenderedItem {
        switch item {
        case .value(let t): return .value(try render(t, ctx))
        case .fields(let f, _): return .fields(try f.mapValues { try render($0, ctx) })
        }
    }

    public static func lenientItem(_ item: Item, _ ctx: RenderContext) -> RenderedItem {
        switch item {
        case .value(let t): return .value(lenient(t, ctx))
        case .fields(let f, _): return .fields(f.mapValues { lenient($0, ctx) })
        }
    }

    static func value(_ p: [String], _ ctx: RenderContext) -> String? {
        switch p[0] {
        case "vars": return ctx.vars[p[1]]
        case "item":
            switch ctx.item {
            case .value(let v)?: return p.count == 1 ? v : nil
            case .fields(let f)?: return p.count == 2 ? f[p[1]] : nil
            case nil: return nil
            }
        case "match": return ctx.target.map { $0.captures[p[1]] ?? "" }   // a group that took no part: empty
        case "guest": return ctx.target.flatMap { ctx.facts.guest($0.name) }.flatMap { field(Array(p.dropFirst()), $0) }
        case "guests": return ctx.facts.guest(p[1]).flatMap { field(Array(p.dropFirst(2)), $0) }
        case "host": return ctx.target?.kind == .host ? ctx.target?.name : nil
        case "run": return ctx.runID
        case "stage": return ctx.stage
        default: return nil
        }
    }

    static func field(_ f: [String], _ g: Facts.Guest) -> String? {
        switch f.first {
        case "name": return g.name
        case "host": return g.host
        case "management": return g.management
        case "service": return g.service ?? ""             // a single guest is no clone: empty
        case "index": return g.index.map(String.init) ?? ""
        case "ip": return f.count == 2 ? g.addresses[f[1]] ?? nil : nil
        default: return nil
        }
    }

    static func why(_ p: [String], _ ctx: RenderContext) -> String {
        switch p[0] {
        case "vars": return ": the job that registers it has not succeeded"
        case "guests": return ctx.facts.guest(p[1]) == nil ? ": guest \(p[1]) does not exist (a scale did not make it?)" : ""
        default: return ""
        }
    }
}
