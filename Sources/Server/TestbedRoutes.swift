import FlyingFox
import Foundation
import Metrics

/// GET endpoints about the testbed: /metrics, /api/v1/testbed, guests, snapshots, charts and
/// the live event stream.
struct TestbedRoutes: Sendable {
    let sampler: Sampler
    let testbed: any TestbedSource
    let runs: (any RunSource)?

    func register(_ r: inout Router) {
        r.add(.GET, "/metrics") { _ in await metrics() }
        r.add(.GET, "/api/v1/testbed") { _ in await withReading { Reply.json(TestbedViews.testbed($0)) } }
        r.add(.GET, "/api/v1/guests") { _ in await withReading { r in Reply.json(r.state.userGuests.map { TestbedViews.guest($0, r) }) } }
        r.add(.GET, "/api/v1/guests/:name") { req in await guest(req.params["name"]!) }
        r.add(.GET, "/api/v1/snapshots") { _ in snapshots() }
        r.add(.GET, "/api/v1/charts") { _ in await charts() }
        r.add(.GET, "/api/v1/events") { _ in await events() }
    }

    /// A reading at most one interval old (the sampler's own, or a new one shared with
    /// whoever else asks now).
    private func withReading(_ body: (Reading) -> HTTPResponse) async -> HTTPResponse {
        do {
            return body(try await sampler.reading(maxAge: await sampler.intervalSeconds))
        } catch {
            return Reply.error(.serviceUnavailable, "cannot read the testbed: \(error)")
        }
    }

    private func metrics() async -> HTTPResponse {
        do {
            let r = try await sampler.reading(maxAge: await sampler.intervalSeconds)
            // Records that cannot be read leave their families out; the hosts' series stay.
            var facts = (try? testbed.facts()) ?? TestbedFacts()
            if let runs, let f = try? await runs.facts() {
                facts.runs = f.runs; facts.jobs = f.jobs; facts.samples = f.samples
            }
            let families = Collector.families(state: r.state, observation: r.observation, facts: facts, scrapeSeconds: r.scrapeSeconds)
            return Reply.text(Exposition.render(families), type: Exposition.contentType)
        } catch {
            return Reply.error(.serviceUnavailable, "cannot read the testbed: \(error)")
        }
    }

    private func guest(_ name: String) async -> HTTPResponse {
        let history = await sampler.history.guests[name] ?? GuestSeries()
        return await withReading { r in
            guard let g = r.state.guest(named: name), g.role.kind != .golden else {
                return Reply.error(.notFound, "no guest \(name) in testbed \(r.state.project)")
            }
            return Reply.json(TestbedViews.detail(g, r, history: history))
        }
    }

    private func snapshots() -> HTTPResponse {
        do { return Reply.json(try testbed.snapshots()) } catch {
            return Reply.error(.internalServerError, "cannot read the snapshot record: \(error)")
        }
    }

    private func charts() async -> HTTPResponse {
        Reply.json(ChartsView(interval: await sampler.intervalSeconds, guests: await sampler.history.guests))
    }

    /// Server-sent events: `sample` every interval (states, CPU, traffic of every guest).
    private func events() async -> HTTPResponse {
        let samples = await sampler.subscribe()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let (bytes, out) = AsyncStream.makeStream(of: [UInt8].self, bufferingPolicy: .bufferingNewest(8))
        out.yield(EventStreamBody.preamble)
        let pump = Task {
            for await s in samples {
                guard let data = try? encoder.encode(s) else { continue }
                if case .terminated = out.yield(EventStreamBody.encode("sample", data)) { break }
            }
            out.finish()
        }
        out.onTermination = { _ in pump.cancel() }
        return EventStreamBody.response(bytes)
    }
}
