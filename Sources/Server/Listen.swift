import Core

/// Where `serve` listens: `HOST:PORT` with an IPv4 address, `[IPv6]:PORT`, or `localhost:PORT`.
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: UInt16
    public var isIPv6: Bool

    public init(parsing text: String) throws {
        let bad = { (why: String) in TBError(.invalidInput, "invalid --listen `\(text)`: \(why) (expected e.g. 127.0.0.1:8080 or [::1]:8080)") }
        var host: Substring, port: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else { throw bad("no port") }
            host = text[text.index(after: text.startIndex)..<close]
            port = text[text.index(close, offsetBy: 2)...]
            isIPv6 = true
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw bad("no port") }
            host = text[..<colon]; port = text[text.index(after: colon)...]
            isIPv6 = false
        }
        if host == "localhost" { host = "127.0.0.1" }
        guard let p = UInt16(port) else { throw bad("the port must be a number from 0 to 65535") }
        if isIPv6 {
            guard host.contains(":"), host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else { throw bad("not an IPv6 address") }
        } else {
            let parts = host.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 4, parts.allSatisfy({ UInt8($0) != nil }) else { throw bad("not an IPv4 address") }
        }
        self.host = String(host); self.port = p
    }

    /// 127.0.0.0/8 or ::1: only this machine can connect.
    public var isLoopback: Bool { isIPv6 ? host == "::1" || host == "0:0:0:0:0:0:0:1" : host.hasPrefix("127.") }

    public var description: String { isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
