import Core
import Foundation
import Scenario

/// `wait`: for a port to accept connections, a command to succeed, or a background job to
/// print a line; fails after its timeout.
struct Waiting {
    let instance: Instance
    let id: Int64
    let sink: OutputSink

    func run(_ w: Wait, _ render: RenderContext) async throws -> Instance.Outcome {
        let ctx = instance.ctx
        guard let target = instance.target else { throw TBError(.internalError, "a wait without a target") }
        let deadline = ContinuousClock.now + w.timeout
        let limit = Durations.format(w.timeout)
        switch w.condition {
        case .port(let p, let a):
            let text = try Render.render(p, render)
            guard let port = Int(text), (1...65535).contains(port) else { return .failed(status: nil, why: "`\(text)` is not a port number") }
            let address = try a.map { try Render.render($0, render) } ?? "127.0.0.1"
            let session = try await ctx.session(target)
            while true {
                let left = ContinuousClock.now.duration(to: deadline)
                if await session.canConnect(to: address, port: port, timeout: min(left, .seconds(5))) { return .passed }
                try Task.checkCancellation()
                if ContinuousClock.now + w.interval > deadline {
                    return .failed(status: nil, why: "nothing accepted connections on \(address):\(port) within \(limit)")
                }
                try await Task.sleep(for: w.interval)
            }
        case .command(let c):
            let command = try Render.render(c, render)
            let session = try await ctx.session(target)
            let line = ctx.access.prepare(ctx.tags.wrap(command, job: id), for: target)
            while true {
                let left = ContinuousClock.now.duration(to: deadline)
                if let status = try await withTimeout(left, { try await session.exec(line, output: sink.write) }), status == 0 {
                    return .passed
                }
                if ContinuousClock.now + w.interval > deadline {
                    _ = try? await session.exec(ProcessTags.killCommand(ctx.tags.jobTag(id), grace: ctx.options.killGrace)) { _, _ in }
                    return .failed(status: nil, why: "`\(command)` did not succeed within \(limit)")
                }
                try await Task.sleep(for: w.interval)
            }
        case .log(let pattern, let name):
            guard let log = ctx.background.log(name.value, on: target) else {
                return .failed(status: nil, why: "no background job `\(name.value)` was started on \(target.name)")
            }
            let regex = try NSRegularExpression(pattern: pattern.value)
            let seen = try await withTimeout(w.timeout) { await log.wait(for: regex) }
            try Task.checkCancellation()
            switch seen {
            case true?: return .passed
            case false?: return .failed(status: nil, why: "\(name.value) ended without printing a line matching `\(pattern.value)`")
            case nil: return .failed(status: nil, why: "\(name.value) printed no line matching `\(pattern.value)` within \(limit)")
            }
        }
    }
}

/// `snapshot`, `restore`, `scale`, `link`, `impair`, `partition`: once, on the whole testbed, their progress lines kept as
/// the job's output. After a scale the testbed's facts are read again.
struct TestbedJob {
    let ctx: RunContext
    let sink: OutputSink

    func run(_ op: TestbedOperation, _ render: RenderContext) async throws -> Instance.Outcome {
        let sink = self.sink
        let log: @Sendable (String) -> Void = { sink.write(.stdout, Array(($0 + "\n").utf8)) }
        switch op {
        case .snapshot(let n): try await ctx.testbed.snapshot(try Render.render(n, render), log: log)
        case .restore(let n):
            ctx.background.releaseAll()
            try await ctx.testbed.restore(try Render.render(n, render), log: log)
        case .scale(let s): try await scale(s, log: log)
        case .network(let c): try await ctx.testbed.change(try c.map { try Render.render($0, render) }, log: log)
        }
        return .passed
    }

    /// `batch` clones at a time, each batch reachable before the next, `interval` between.
    private func scale(_ s: Scale, log: @escaping @Sendable (String) -> Void) async throws {
        let service = s.service.value
        var current = ctx.facts.current.clones(of: service).count
        let step = s.batch ?? max(1, abs(s.replicas - current))
        while current != s.replicas {
            let next = s.replicas > current ? min(s.replicas, current + step) : max(s.replicas, current - step)
            log("scale \(service): \(current) -> \(next)")
            try await ctx.testbed.scale(service, to: next, log: log)
            current = next
            let facts = try await ctx.testbed.facts()
            ctx.facts.withLock { $0 = facts }
            if current != s.replicas && s.interval > .zero { try await Task.sleep(for: s.interval) }
        }
    }
}
