import Core
import Foundation
import Hosts
import TestbedState

extension Executor {
    /// A started guest is ready by the means it declares (`wait:`): an SSH login (seed or
    /// `login:`), a TCP port on its management address, or nothing. A guest that never
    /// answers is an error naming it and what was waited for.
    /// `timeout` nil: the session's own default for SSH, 180 s for a port.
    func waitReady(_ guest: Guest, timeout: Duration? = nil) async throws {
        try await openWhenReady(guest, timeout: timeout)?.close()
    }

    /// `waitReady`, keeping the SSH session that proved the guest ready (nil for a port or no
    /// wait), for a caller that goes on in the guest (a golden builder's setup).
    func openWhenReady(_ guest: Guest, timeout: Duration? = nil) async throws -> (any GuestSession)? {
        let host = try context.host(guest.host)
        switch guest.readiness {
        case .ssh:
            let (user, key) = (context.state.user, context.workspace.keyFile)
            if let timeout { return try await host.guestSession(guest, user: user, keyFile: key, timeout: timeout) }
            return try await host.guestSession(guest, user: user, keyFile: key)
        case .port(let port):
            try await waitForPort(guest, port, on: host, timeout: timeout ?? .seconds(180))
            return nil
        case .none:
            return nil
        }
    }

    /// Polls the port (each attempt bounded; a closed port answers at once with a reset, so the
    /// pause between attempts keeps the poll from spinning) until it accepts a connection.
    func waitForPort(_ guest: Guest, _ port: Int, on host: any HostConnection, timeout: Duration) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var pause = Duration.milliseconds(100)
        while clock.now < deadline {
            if await host.canConnect(toGuest: guest, port: port, timeout: min(.seconds(5), clock.now.duration(to: deadline))) { return }
            try await Task.sleep(for: min(pause, clock.now.duration(to: deadline)))
            pause = min(pause * 2, .seconds(1))
        }
        throw TBError(.timeout, "guest \(guest.name) did not accept a connection on port \(port) (its `wait:`) within \(timeout.components.seconds) s",
                      object: "guest \(guest.name) on host \(host.name)")
    }
}
