import FlyingFox
import Foundation

/// A small router over FlyingFox's requests: method + path pattern (`/api/v1/guests/:name`),
/// then the access rules, so that every answer (404, 405, 401, 403) is the API's JSON error.
struct Router: Sendable {
    struct Request: Sendable {
        var http: HTTPRequest
        var params: [String: String]
        func query(_ name: String) -> String? { http.query[name] }
    }

    struct Route: Sendable {
        var method: HTTPMethod
        var pattern: [Substring]
        /// The page's own files are public: they hold no data, and the page asks for the token.
        var isPublic: Bool
        var writes: Bool
        var handle: @Sendable (Request) async -> HTTPResponse
    }

    var access: Access
    var log: (@Sendable (String) -> Void)?
    private var routes: [Route] = []

    init(access: Access) { self.access = access }

    mutating func add(_ method: HTTPMethod, _ path: String, isPublic: Bool = false, writes: Bool = false,
                      _ handle: @escaping @Sendable (Request) async -> HTTPResponse) {
        routes.append(Route(method: method, pattern: path.split(separator: "/"), isPublic: isPublic, writes: writes, handle: handle))
    }

    func handle(_ http: HTTPRequest) async -> HTTPResponse {
        guard let log else { return await answer(http) }
        let t0 = ContinuousClock.now
        let r = await answer(http)
        let ms = (ContinuousClock.now - t0).components
        log("\(http.method.rawValue) \(http.path) \(r.statusCode.code) \(ms.seconds * 1000 + ms.attoseconds / 1_000_000_000_000_000) ms")
        return r
    }

    private func answer(_ http: HTTPRequest) async -> HTTPResponse {
        let segments = http.path.split(separator: "/")
        let matching = routes.compactMap { r in Self.match(r.pattern, segments).map { (r, $0) } }
        guard !matching.isEmpty else { return Reply.error(.notFound, "no such endpoint: \(http.path)") }
        let method = http.method == .HEAD ? HTTPMethod.GET : http.method
        guard let (route, params) = matching.first(where: { $0.0.method == method }) else {
            let allowed = Set(matching.map(\.0.method.rawValue)).sorted().joined(separator: ", ")
            var r = Reply.error(.methodNotAllowed, "\(http.method.rawValue) is not allowed on \(http.path) (allowed: \(allowed))")
            r.headers[HTTPHeader("Allow")] = allowed
            return r
        }
        if !route.isPublic && !access.isAuthorized(http) {
            return Reply.error(.unauthorized, "this server needs its token: send `Authorization: Bearer TOKEN`")
        }
        if route.writes && !access.allowWrite {
            return Reply.error(.forbidden, "this server is read-only: start it with --allow-write to start or cancel runs")
        }
        return await route.handle(Request(http: http, params: params))
    }

    /// Path parameters when `segments` fit `pattern`, else nil.
    static func match(_ pattern: [Substring], _ segments: [Substring]) -> [String: String]? {
        guard pattern.count == segments.count else { return nil }
        var params: [String: String] = [:]
        for (p, s) in zip(pattern, segments) {
            if p.hasPrefix(":") { params[String(p.dropFirst())] = String(s).removingPercentEncoding ?? String(s) } else if p != s { return nil }
        }
        return params
    }
}
