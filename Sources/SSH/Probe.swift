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
