import FlyingFox
import FlyingSocks
import Foundation

/// A `text/event-stream` body fed by an async sequence of events: each becomes
/// `event: NAME\ndata: JSON\n\n`, sent as one HTTP chunk as soon as it is there. The stream
/// ends when the source ends or the client goes away (the write fails and the server drops
/// the body, which ends the source's subscription).
struct EventStreamBody: AsyncBufferedSequence, Sendable {
    typealias Element = UInt8
    let events: AsyncStream<[UInt8]>

    /// `retry` tells EventSource how soon to reconnect after the server went away.
    static func response(_ events: AsyncStream<[UInt8]>) -> HTTPResponse {
        var h = Reply.headers("text/event-stream")
        h[HTTPHeader("Cache-Control")] = "no-cache"
        return HTTPResponse(statusCode: .ok, headers: h, body: HTTPBodySequence(from: EventStreamBody(events: events)))
    }

    static func encode(_ name: String, _ json: Data) -> [UInt8] {
        Array("event: \(name)\ndata: ".utf8) + Array(json) + Array("\n\n".utf8)
    }

    static let preamble = Array("retry: 2000\n\n".utf8)

    func makeAsyncIterator() -> Iterator { Iterator(source: events.makeAsyncIterator()) }

    struct Iterator: AsyncBufferedIteratorProtocol {
        var source: AsyncStream<[UInt8]>.Iterator
        var pending: [UInt8] = []

        mutating func next() async throws -> UInt8? {
            try await nextBuffer(suggested: 1)?.first
        }

        mutating func nextBuffer(suggested count: Int) async throws -> [UInt8]? {
            if pending.isEmpty {
                guard let chunk = await source.next() else { return nil }
                pending = chunk
            }
            let n = Swift.max(1, Swift.min(count, pending.count))
            defer { pending.removeFirst(n) }
            return Array(pending.prefix(n))
        }
    }
}
