import Core
import FlyingFox
import FlyingSocks
import Foundation

/// `tbctl serve`: the sampler plus the HTTP server (FlyingFox: async/await, no dependency of
/// its own; docs/serve.md says why) with /metrics, the JSON API and the page.
public struct WatchServer: Sendable {
    public struct Options: Sendable {
        public var listen: ListenAddress
        public var token: String?
        public var allowWrite: Bool
        /// Gets a line per request answered (method, path, status, milliseconds).
        public var requestLog: (@Sendable (String) -> Void)?
        public init(listen: ListenAddress, token: String?, allowWrite: Bool, requestLog: (@Sendable (String) -> Void)? = nil) {
            self.listen = listen; self.token = token; self.allowWrite = allowWrite; self.requestLog = requestLog
        }
    }

    let options: Options
    let sampler: Sampler
    let router: Router

    public init(options: Options, sampler: Sampler, testbed: any TestbedSource, runs: (any RunSource)?) throws {
        if !options.listen.isLoopback && (options.token ?? "").isEmpty {
            throw TBError(.invalidInput, "listening on \(options.listen) lets other machines in: give --token (or listen on 127.0.0.1)")
        }
        self.options = options
        self.sampler = sampler
        var router = Router(access: Access(token: options.token.flatMap { $0.isEmpty ? nil : $0 }, allowWrite: options.allowWrite))
        router.log = options.requestLog
        TestbedRoutes(sampler: sampler, testbed: testbed, runs: runs).register(&router)
        if let runs {
            RunRoutes(runs: runs, sampler: sampler).register(&router)
            let freezer = ChartFreezer(runs: runs)
            Task { await sampler.addObserver { r, h in await freezer.check(r, h) } }
        }
        let info = ServerInfo(project: (try? testbed.state().project) ?? "", allowWrite: options.allowWrite, runs: runs != nil,
                              interval: Double(sampler.interval.components.seconds), token: options.token != nil)
        router.add(.GET, "/api/v1/server") { _ in Reply.json(info) }
        PageRoutes().register(&router)
        self.router = router
    }

    /// Samples and serves until cancelled. `listening` gets the address actually bound (with
    /// port 0 the kernel picks one) once the server accepts connections.
    public func run(listening: @escaping @Sendable (String) -> Void) async throws {
        let router = self.router
        let address: any SocketAddress = options.listen.isIPv6
            ? try sockaddr_in6.inet6(ip6: options.listen.host, port: options.listen.port)
            : try sockaddr_in.inet(ip4: options.listen.host, port: options.listen.port)
        let server = HTTPServer(address: address, timeout: 30, logger: .disabled)
        await server.appendRoute("*") { request in await router.handle(request) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await self.sampler.run() }
            group.addTask { try await server.run() }
            group.addTask {
                try await server.waitUntilListening(timeout: 10)
                let bound = await server.listeningAddress
                listening(Self.describe(bound) ?? options.listen.description)
            }
            try await group.next()
            try await group.next()
            group.cancelAll()
        }
    }

    /// What the page needs to know about this server: may it start runs, are there runs.
    struct ServerInfo: Encodable, Sendable {
        var project: String
        var allowWrite: Bool
        var runs: Bool
        var interval: Double
        var token: Bool
    }

    static func describe(_ address: Socket.Address?) -> String? {
        switch address {
        case .ip4(let ip, let port)?: "\(ip):\(port)"
        case .ip6(let ip, let port)?: "[\(ip)]:\(port)"
        default: nil
        }
    }
}
