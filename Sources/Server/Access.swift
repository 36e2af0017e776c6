import FlyingFox
import Foundation

/// Who may do what: with a token every request but the page's own files must carry it
/// (`Authorization: Bearer T`, or the `tbctl_token` cookie the page sets once the user gave
/// it, which EventSource sends too); POSTs need `--allow-write`.
struct Access: Sendable {
    static let cookie = "tbctl_token"
    var token: String?
    var allowWrite: Bool

    func isAuthorized(_ request: HTTPRequest) -> Bool {
        guard let token else { return true }
        if let auth = request.headers[.authorization], auth.hasPrefix("Bearer "),
           Self.same(String(auth.dropFirst(7)).trimmingCharacters(in: .whitespaces), token) { return true }
        return Self.cookieToken(request).map { Self.same($0, token) } ?? false
    }

    static func cookieToken(_ request: HTTPRequest) -> String? {
        guard let header = request.headers[HTTPHeader("Cookie")] else { return nil }
        for part in header.split(separator: ";") {
            let kv = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            if kv.count == 2, kv[0] == cookie { return String(kv[1]).removingPercentEncoding ?? String(kv[1]) }
        }
        return nil
    }

    /// Compares in time independent of where the strings differ.
    static func same(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var diff = UInt8(x.count == y.count ? 0 : 1)
        for i in 0..<max(x.count, y.count) { diff |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0) }
        return diff == 0
    }
}
