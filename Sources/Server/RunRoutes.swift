import Core
import FlyingFox
import Foundation

/// The runs endpoints, over the scenario layer's records (RunSource).
struct RunRoutes: Sendable {
    let runs: any RunSource
    let sampler: Sampler
    /// Largest request body accepted (a scenario path and a few vars).
    static let maxBody = 64 * 1024

    func register(_ r: inout Router) {
        r.add(.GET, "/api/v1/runs") { _ in await answer { Reply.json(try await runs.runs()) } }
        r.add(.GET, "/api/v1/runs/:id") { req in await answer { try await run(req) } }
        r.add(.GET, "/api/v1/runs/:id/logs") { req in await answer { try await logs(req) } }
        r.add(.POST, "/api/v1/runs", writes: true) { req in await answer { try await start(req) } }
        r.add(.POST, "/api/v1/runs/:id/cancel", writes: true) { req in await answer { try await cancel(req) } }
    }

    private func run(_ req: Router.Request) async throws -> HTTPResponse {
        let id = try Self.id(req)
        guard var detail = try await runs.run(id) else { throw TBError(.notFound, "no run \(id)") }
        if let frozen = try await runs.charts(id) {
            detail.charts = frozen
        } else {
            // Going on (or ended before the server froze it): what the server sampled meanwhile.
            let window = await sampler.history.window(from: detail.run.startedAt, to: detail.run.endedAt ?? .infinity)
            if !window.isEmpty { detail.charts = ChartsView(interval: await sampler.intervalSeconds, guests: window) }
        }
        return Reply.json(detail)
    }

    /// JSON lines after `after`; with `follow=1` an event stream (`log` events, then `end`).
    private func logs(_ req: Router.Request) async throws -> HTTPResponse {
        let id = try Self.id(req)
        guard let run = try await runs.run(id) else { throw TBError(.notFound, "no run \(id)") }
        let after = try req.query("after").map { v -> Int64 in
            guard let n = Int64(v), n >= 0 else { throw TBError(.invalidInput, "`after` must be a log line id (a whole number), not `\(v)`") }
            return n
        } ?? 0
        let guest = req.query("guest"), job = req.query("job")
        switch req.query("follow") {
        case nil, "0", "false": break
        case "1", "true": return follow(id, guest: guest, job: job, after: after)
        case let v?: throw TBError(.invalidInput, "`follow` must be 1 or 0, not `\(v)`")
        }
        let lines = try await runs.logs(id, guest: guest, job: job, after: after)
        struct Page: Encodable { var lines: [LogLineView]; var next: Int64; var done: Bool }
        return Reply.json(Page(lines: lines, next: lines.last?.id ?? after, done: run.run.isFinished))
    }

    private func follow(_ id: Int64, guest: String?, job: String?, after: Int64) -> HTTPResponse {
        let source = runs.follow(id, guest: guest, job: job, after: after)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let (bytes, out) = AsyncStream.makeStream(of: [UInt8].self, bufferingPolicy: .unbounded)
        out.yield(EventStreamBody.preamble)
        let pump = Task {
            do {
                for try await line in source {
                    guard let data = try? encoder.encode(line) else { continue }
                    if case .terminated = out.yield(EventStreamBody.encode("log", data)) { return }
                }
                out.yield(EventStreamBody.encode("end", Data("{}".utf8)))
            } catch {
                out.yield(EventStreamBody.encode("error", Data((try? encoder.encode(["message": "\(error)"])) ?? Data())))
            }
            out.finish()
        }
        out.onTermination = { _ in pump.cancel() }
        return EventStreamBody.response(bytes)
    }

    private func start(_ req: Router.Request) async throws -> HTTPResponse {
        struct Body: Decodable { var scenario: String; var vars: [String: String]? }
        let data = try await req.http.bodyData
        guard data.count <= Self.maxBody else { return Reply.error(.payloadTooLarge, "the request body is larger than 64 KiB") }
        guard req.http.headers[.contentType]?.hasPrefix("application/json") == true else {
            return Reply.error(.unsupportedMediaType, "send the request as JSON (Content-Type: application/json)")
        }
        let body: Body
        do { body = try JSONDecoder().decode(Body.self, from: data) } catch {
            throw TBError(.invalidInput, "the body must be JSON like {\"scenario\": \"load.yaml\", \"vars\": {\"n\": \"10\"}}: \(Self.describe(error))")
        }
        guard !body.scenario.isEmpty else { throw TBError(.invalidInput, "`scenario` must name a scenario file") }
        let id = try await runs.start(scenario: body.scenario, vars: body.vars ?? [:])
        struct Started: Encodable { var id: Int64; var url: String }
        return Reply.json(Started(id: id, url: "/api/v1/runs/\(id)"), status: .accepted)
    }

    private func cancel(_ req: Router.Request) async throws -> HTTPResponse {
        let id = try Self.id(req)
        try await runs.cancel(id)
        struct Cancelled: Encodable { var id: Int64; var status: String }
        return Reply.json(Cancelled(id: id, status: "cancelling"), status: .accepted)
    }

    static func id(_ req: Router.Request) throws -> Int64 {
        let text = req.params["id"] ?? ""
        guard let id = Int64(text), id > 0 else { throw TBError(.invalidInput, "a run id is a positive whole number, not `\(text)`") }
        return id
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "missing `\(key.stringValue)`"
        case DecodingError.typeMismatch(_, let c): "`\(c.codingPath.map(\.stringValue).joined(separator: "."))` has the wrong type"
        case DecodingError.dataCorrupted: "not valid JSON"
        default: "\(error)"
        }
    }

    /// TBErrors become the API's errors: bad input 400, unknown 404, a run already over 409.
    private func answer(_ body: () async throws -> HTTPResponse) async -> HTTPResponse {
        do { return try await body() } catch let e as TBError {
            switch e.code {
            case .invalidInput: return Reply.error(.badRequest, e.description)
            case .notFound: return Reply.error(.notFound, e.description)
            case .conflict: return Reply.error(.conflict, e.description)
            default: return Reply.error(.internalServerError, e.description)
            }
        } catch {
            return Reply.error(.internalServerError, "\(error)")
        }
    }
}
