import Foundation
@testable import SSH
import Testing

/// A host that powers off sends no reset: the kernel must be told to probe the connection,
/// or a session waiting for that host's answer waits forever.
@Suite struct DeadPeerTests {
    @Test func connectionsProbeTheirPeerAndGiveUpOnUnacknowledgedData() throws {
        let listener = try Listener()
        let fd = try Sockets.startConnect(host: "127.0.0.1", port: listener.port)
        defer { close(fd) }
        #expect(option(fd, SOL_SOCKET, SO_KEEPALIVE) == 1)
        #expect(option(fd, Int32(IPPROTO_TCP), TCP_KEEPIDLE) == 15)
        #expect(option(fd, Int32(IPPROTO_TCP), TCP_KEEPCNT) == 6)
        #expect(option(fd, Int32(IPPROTO_TCP), TCP_USER_TIMEOUT) == 60_000)
    }

    private func option(_ fd: Int32, _ level: Int32, _ name: Int32) -> Int32 {
        var value: Int32 = -1
        var length = socklen_t(MemoryLayout<Int32>.size)
        return getsockopt(fd, level, name, &value, &length) == 0 ? value : -1
    }
}
