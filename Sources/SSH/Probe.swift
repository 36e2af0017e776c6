import Core
#if canImport(Glibc)
import Glibc
#endif

extension SSHSession {
    /// Whether host:port accepts a TCP connection made by the server, as `ssh -W` would make
    /// it: a direct-tcpip channel, closed again at once. Servers (OpenSSH, dropbear) confirm
    /// the channel only once their connect succeeded, so an open channel is the answer.
    /// `scenario` waits use it to see a guest's own ports (`127.0.0.1:8080` from the guest).
    public func canConnect(host: String, port: Int, timeout: Duration) async -> Bool {
        do {
            let fd = try await openTunnel(host: host, port: port, timeout: timeout, for: "\(endpoint) -> \(host):\(port)")
            Glibc.close(fd)
            return true
        } catch {
            return false
        }
    }
}

/// A TCP port reached from this machine: guests on the master's management network, whose
/// `wait: port N` tbctl checks directly (a remote host's guests: `SSHSession.canConnect`).
public enum TCPProbe {
    public static func canConnect(host: String, port: Int, timeout: Duration) async -> Bool {
        let ms = Int32(clamping: timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        return await blocking {
            guard let fd = try? Sockets.startConnect(host: host, port: port) else { return false }
            defer { Glibc.close(fd) }
            var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            guard poll(&p, 1, ms) == 1 else { return false }
            return Sockets.connectResult(fd) == 0
        }
    }
}
