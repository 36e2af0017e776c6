/// A service `web` names its clones `web-0`, `web-1`, ...: those names must be valid hostnames,
/// and no single guest may take one, now or after `scale` adds clones.
enum ServiceNames {
    static func check(_ guests: [GuestDraft], ctx: DecodeContext) {
        let services = guests.filter { $0.replicas != nil }
        for s in services where Names.isGuest(s.name) {
            let longest = "\(s.name)-\(max((s.replicas ?? 1) - 1, 0))"
            if longest.count > 63 {
                ctx.error(s.keyMark, s.path, "service name `\(s.name)` is too long: its clone name `\(longest)` has \(longest.count) characters (at most 63)")
            }
        }
        for g in guests where g.replicas == nil {
            if let owner = services.first(where: { isClone(g.name, of: $0.name) }) {
                ctx.error(g.keyMark, g.path, "guest name `\(g.name)` is reserved for the clones of service `\(owner.name)`")
            }
        }
    }

    /// `<service>-<digits>`: any index, since scaling up may create it later.
    static func isClone(_ name: String, of service: String) -> Bool {
        guard name.hasPrefix(service + "-") else { return false }
        let index = name.dropFirst(service.count + 1)
        return !index.isEmpty && index.allSatisfy { $0.isASCII && $0.isNumber }
    }
}
