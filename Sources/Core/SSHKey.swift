import COpenSSL
import Foundation

/// An ed25519 key pair in OpenSSH formats. Guest host keys are derived from the project secret
/// (so compiling is pure: same secret and guest name, same key), the project key is random.
public struct Ed25519Key: Sendable, Equatable {
    public let seed: [UInt8]       // 32-byte private seed
    public let publicKey: [UInt8]  // 32-byte public key

    public init(seed: [UInt8]) throws {
        guard seed.count == 32 else { throw TBError(.internalError, "ed25519 seed must be 32 bytes") }
        guard let pkey = seed.withUnsafeBufferPointer({
            EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, $0.baseAddress, 32)
        }) else { throw TBError(.internalError, "OpenSSL cannot make an ed25519 key") }
        defer { EVP_PKEY_free(pkey) }
        var pub = [UInt8](repeating: 0, count: 32)
        var len = 32
        EVP_PKEY_get_raw_public_key(pkey, &pub, &len)
        self.seed = seed
        self.publicKey = pub
    }

    public static func generate() throws -> Ed25519Key { try Ed25519Key(seed: Digest.randomBytes(32)) }

    /// The key for `label` derived from `secret` (HMAC-SHA256, one key per label).
    public static func derive(secret: [UInt8], label: String) throws -> Ed25519Key {
        try Ed25519Key(seed: Digest.hmacSHA256(key: secret, Array(label.utf8)))
    }

    /// The SSH wire blob: string "ssh-ed25519", string key. libssh2 reports host keys in this form.
    public var publicBlob: [UInt8] {
        var w = SSHWire()
        w.string("ssh-ed25519")
        w.bytes(publicKey)
        return w.data
    }

    /// `ssh-ed25519 AAAA... comment`, as in authorized_keys.
    public func publicLine(comment: String) -> String {
        "ssh-ed25519 " + Data(publicBlob).base64EncodedString() + (comment.isEmpty ? "" : " \(comment)")
    }

    /// The OpenSSH private key file (`-----BEGIN OPENSSH PRIVATE KEY-----`), unencrypted.
    public func privatePEM(comment: String) -> String {
        let check = UInt32(truncatingIfNeeded: Digest.fnv1a64(Digest.hex(publicKey)))
        var priv = SSHWire()
        priv.uint32(check)
        priv.uint32(check)
        priv.string("ssh-ed25519")
        priv.bytes(publicKey)
        priv.bytes(seed + publicKey)
        priv.string(comment)
        var pad: UInt8 = 1
        while priv.data.count % 8 != 0 { priv.data.append(pad); pad += 1 }

        var w = SSHWire()
        w.data.append(contentsOf: Array("openssh-key-v1".utf8) + [0])
        w.string("none")
        w.string("none")
        w.string("")
        w.uint32(1)
        w.bytes(publicBlob)
        w.bytes(priv.data)
        let b64 = Data(w.data).base64EncodedString()
        var lines = ["-----BEGIN OPENSSH PRIVATE KEY-----"]
        var i = b64.startIndex
        while i < b64.endIndex {
            let j = b64.index(i, offsetBy: 70, limitedBy: b64.endIndex) ?? b64.endIndex
            lines.append(String(b64[i..<j]))
            i = j
        }
        lines.append("-----END OPENSSH PRIVATE KEY-----")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Reads the seed back from an OpenSSH private key file written by `privatePEM`
    /// (or by ssh-keygen for an unencrypted ed25519 key).
    public static func parsePEM(_ text: String) throws -> Ed25519Key {
        let body = text.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        guard let data = Data(base64Encoded: body) else { throw TBError(.invalidInput, "not an OpenSSH private key") }
        var r = SSHWireReader(Array(data))
        guard r.take(15) == Array("openssh-key-v1".utf8) + [0],
              try r.string() == "none" else {
            throw TBError(.invalidInput, "only unencrypted OpenSSH ed25519 keys are supported")
        }
        _ = try r.string(); _ = try r.bytes(); _ = try r.uint32(); _ = try r.bytes()
        var p = SSHWireReader(try r.bytes())
        _ = try p.uint32(); _ = try p.uint32()
        guard try p.string() == "ssh-ed25519" else { throw TBError(.invalidInput, "not an ed25519 key") }
        _ = try p.bytes()
        let sk = try p.bytes()
        guard sk.count == 64 else { throw TBError(.invalidInput, "malformed ed25519 key") }
        return try Ed25519Key(seed: Array(sk.prefix(32)))
    }
}

/// SSH wire encoding (RFC 4251): uint32 big-endian lengths.
public struct SSHWire {
    public var data: [UInt8] = []
    public init() {}
    public mutating func uint32(_ v: UInt32) {
        data += [UInt8(v >> 24), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)]
    }
    public mutating func bytes(_ b: [UInt8]) { uint32(UInt32(b.count)); data += b }
    public mutating func string(_ s: String) { bytes(Array(s.utf8)) }
}

public struct SSHWireReader {
    private let buf: [UInt8]
    private var pos = 0
    public init(_ buf: [UInt8]) { self.buf = buf }
    public mutating func take(_ n: Int) -> [UInt8] {
        let end = min(pos + n, buf.count)
        defer { pos = end }
        return Array(buf[pos..<end])
    }
    public mutating func uint32() throws -> UInt32 {
        let b = take(4)
        guard b.count == 4 else { throw TBError(.invalidInput, "truncated SSH data") }
        return b.reduce(0) { $0 << 8 | UInt32($1) }
    }
    public mutating func bytes() throws -> [UInt8] {
        let n = Int(try uint32())
        let b = take(n)
        guard b.count == n else { throw TBError(.invalidInput, "truncated SSH data") }
        return b
    }
    public mutating func string() throws -> String { String(decoding: try bytes(), as: UTF8.self) }
}
