import Core
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An OpenSSH known_hosts file: `[marker] patterns keytype base64 [comment]` per line, where
/// the host is written `host` for port 22 and `[host]:port` otherwise. Reads what OpenSSH
/// writes (comma lists, `*`/`?` wildcards, `!` negation, @revoked); hashed entries (`|1|...`)
/// cannot be matched without their salt's HMAC and are skipped.
public struct KnownHostsFile: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    public struct Entry: Sendable, Equatable {
        public var line: Int
        /// "@revoked" or "@cert-authority", when present.
        public var marker: String?
        public var patterns: String
        public var keyType: String
        public var blob: [UInt8]

        public init(line: Int, marker: String?, patterns: String, keyType: String, blob: [UInt8]) {
            self.line = line
            self.marker = marker
            self.patterns = patterns
            self.keyType = keyType
            self.blob = blob
        }

        public var isHashed: Bool { patterns.hasPrefix("|") }

        /// Whether this entry names `host` on `port` (hashed entries never match).
        public func matches(host: String, port: Int) -> Bool {
            if isHashed { return false }
            let token = KnownHostsFile.hostToken(host: host, port: port).lowercased()
            var matched = false
            for pattern in patterns.lowercased().split(separator: ",") {
                if pattern.hasPrefix("!") {
                    if glob(pattern.dropFirst(), token) { return false }  // a negated match vetoes the entry
                } else if glob(pattern[...], token) {
                    matched = true
                }
            }
            return matched
        }
    }

    /// What the file says about a presented key.
    public enum Verdict: Sendable, Equatable {
        case known(Entry)
        case unknown
        case changed(recorded: [Entry])
        case revoked(Entry)
    }

    /// How OpenSSH names a host in known_hosts.
    public static func hostToken(host: String, port: Int) -> String {
        port == 22 ? host : "[\(host)]:\(port)"
    }

    public static func line(host: String, port: Int, blob: [UInt8]) -> String {
        "\(hostToken(host: host, port: port)) \(HostKeys.keyType(blob)) \(Data(blob).base64EncodedString())"
    }

    /// Parses known_hosts text; lines that are not entries (comments, garbage) are skipped.
    public static func parse(_ text: String) -> [Entry] {
        var entries: [Entry] = []
        // isNewline, not "\n": in Swift "\r\n" is one Character, unequal to "\n".
        for (index, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            var fields = raw.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let first = fields.first, !first.hasPrefix("#") else { continue }
            var marker: String?
            if first.hasPrefix("@") {
                marker = first
                fields.removeFirst()
            }
            guard fields.count >= 3, let data = Data(base64Encoded: fields[2]) else { continue }
            entries.append(Entry(line: index + 1, marker: marker, patterns: fields[0], keyType: fields[1], blob: Array(data)))
        }
        return entries
    }

    /// The verdict on `blob` presented by host:port, given the file's entries.
    public static func verdict(for blob: [UInt8], host: String, port: Int, in entries: [Entry]) -> Verdict {
        let relevant = entries.filter { $0.matches(host: host, port: port) }
        if let revoked = relevant.first(where: { $0.marker == "@revoked" && $0.blob == blob }) { return .revoked(revoked) }
        let plain = relevant.filter { $0.marker == nil }
        if let known = plain.first(where: { $0.blob == blob }) { return .known(known) }
        return plain.isEmpty ? .unknown : .changed(recorded: plain)
    }

    /// The file's entries; a missing file has none.
    public func entries() throws -> [Entry] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        do {
            return KnownHostsFile.parse(try String(contentsOfFile: path, encoding: .utf8))
        } catch {
            throw TBError(.io, "cannot read known hosts file \(path)", underlying: error)
        }
    }

    /// Checks `blob` and records it when the host is not in the file yet (trust on first use).
    /// The file is locked (flock) meanwhile, so concurrent first contacts, from this or another
    /// tbctl process, record one entry and agree on it. Returns `.unknown` when it recorded.
    public func checkOrRecord(host: String, port: Int, blob: [UInt8]) throws -> Verdict {
        try createParentDirectory()
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ioError("cannot open known hosts file \(path)") }
        defer { Glibc.close(fd) }
        guard flock(fd, LOCK_EX) == 0 else { throw ioError("cannot lock known hosts file \(path)") }
        let text = try readAll(fd)
        let verdict = KnownHostsFile.verdict(for: blob, host: host, port: port, in: KnownHostsFile.parse(text))
        if verdict == .unknown {
            let separator = text.isEmpty || text.hasSuffix("\n") ? "" : "\n"
            try writeAll(fd, separator + KnownHostsFile.line(host: host, port: port, blob: blob) + "\n")
        }
        return verdict
    }

    private func createParentDirectory() throws {
        let parent = (path as NSString).deletingLastPathComponent
        guard !parent.isEmpty else { return }
        do {
            try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        } catch {
            throw TBError(.io, "cannot create the directory of known hosts file \(path)", underlying: error)
        }
    }

    private func readAll(_ fd: Int32) throws -> String {
        var data = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 16 << 10)
        while true {
            let n = read(fd, &chunk, chunk.count)
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw ioError("cannot read known hosts file \(path)") }
            if n == 0 { break }
            data += chunk[0..<n]
        }
        return String(decoding: data, as: UTF8.self)
    }

    private func writeAll(_ fd: Int32, _ text: String) throws {
        let bytes = Array(text.utf8)
        guard lseek(fd, 0, SEEK_END) >= 0 else { throw ioError("cannot append to known hosts file \(path)") }
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw ioError("cannot append to known hosts file \(path)") }
            offset += n
        }
    }

    private func ioError(_ message: String) -> TBError {
        TBError(.io, message, cause: String(cString: strerror(errno)))
    }
}

/// OpenSSH host pattern matching: `*` any run of characters, `?` one character.
private func glob(_ pattern: Substring, _ text: String) -> Bool {
    let p = Array(pattern), t = Array(text)
    var pi = 0, ti = 0
    var star = -1, resume = 0
    while ti < t.count {
        if pi < p.count && (p[pi] == "?" || p[pi] == t[ti]) {
            pi += 1
            ti += 1
        } else if pi < p.count && p[pi] == "*" {
            star = pi
            resume = ti
            pi += 1
        } else if star >= 0 {
            pi = star + 1
            resume += 1
            ti = resume
        } else {
            return false
        }
    }
    while pi < p.count && p[pi] == "*" { pi += 1 }
    return pi == p.count
}
