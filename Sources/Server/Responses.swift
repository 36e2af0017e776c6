import FlyingFox
import Foundation

/// JSON answers and errors. Every error has the same shape:
/// `{"error": {"status": 404, "message": "no guest web-9 in testbed lab"}}`.
enum Reply {
    static func json<T: Encodable>(_ value: T, status: HTTPStatusCode = .ok) -> HTTPResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "+Inf", negativeInfinity: "-Inf", nan: "NaN")
        do {
            return HTTPResponse(statusCode: status, headers: headers("application/json"), body: try encoder.encode(value))
        } catch {
            return Self.error(.internalServerError, "cannot encode the answer: \(error)")
        }
    }

    static func error(_ status: HTTPStatusCode, _ message: String) -> HTTPResponse {
        struct Body: Encodable { struct Inner: Encodable { var status: Int; var message: String }; var error: Inner }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(Body(error: .init(status: status.code, message: message)))) ?? Data()
        var h = headers("application/json")
        if status == .unauthorized { h[HTTPHeader("WWW-Authenticate")] = "Bearer realm=\"tbctl\"" }
        return HTTPResponse(statusCode: status, headers: h, body: data)
    }

    static func text(_ text: String, type: String) -> HTTPResponse {
        HTTPResponse(statusCode: .ok, headers: headers(type), body: Data(text.utf8))
    }

    static func bytes(_ bytes: [UInt8], type: String) -> HTTPResponse {
        var h = headers(type)
        h[HTTPHeader("Cache-Control")] = "no-cache"
        return HTTPResponse(statusCode: .ok, headers: h, body: Data(bytes))
    }

    static func headers(_ type: String) -> HTTPHeaders {
        var h = HTTPHeaders()
        h[.contentType] = type
        // The page loads nothing from elsewhere; say so to the browser.
        h[HTTPHeader("Content-Security-Policy")] = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'"
        h[HTTPHeader("X-Content-Type-Options")] = "nosniff"
        return h
    }
}
