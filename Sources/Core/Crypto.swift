import COpenSSL
import Foundation

/// SHA-256 through OpenSSL (fast, and already linked by libssh2).
public struct SHA256Hasher: ~Copyable {
    private let ctx: OpaquePointer

    public init() {
        ctx = EVP_MD_CTX_new()
        EVP_DigestInit_ex(ctx, EVP_sha256(), nil)
    }

    deinit { EVP_MD_CTX_free(ctx) }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        if let base = bytes.baseAddress { EVP_DigestUpdate(ctx, base, bytes.count) }
    }

    public mutating func update(_ data: some DataProtocol) {
        for region in data.regions { region.withUnsafeBytes { update($0) } }
    }

    public consuming func finish() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var len: UInt32 = 0
        EVP_DigestFinal_ex(ctx, &out, &len)
        return out
    }
}

public enum Digest {
    public static func sha256(_ data: some DataProtocol) -> [UInt8] {
        var h = SHA256Hasher()
        h.update(data)
        return h.finish()
    }

    public static func sha256Hex(_ data: some DataProtocol) -> String { hex(sha256(data)) }

    /// Hashes a file in 4 MiB reads; used for base images, so it must not load them whole.
    public static func sha256Hex(fileAt path: String) throws -> String {
        guard let fh = FileHandle(forReadingAtPath: path) else {
            throw TBError(.io, "cannot read \(path)")
        }
        defer { try? fh.close() }
        var h = SHA256Hasher()
        while let chunk = try fh.read(upToCount: 4 << 20), !chunk.isEmpty { h.update(chunk) }
        return hex(h.finish())
    }

    public static func hmacSHA256(key: [UInt8], _ message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var len: UInt32 = 0
        _ = key.withUnsafeBytes { k in
            message.withUnsafeBytes { m in
                HMAC(EVP_sha256(), k.baseAddress, Int32(key.count), m.bindMemory(to: UInt8.self).baseAddress,
                     message.count, &out, &len)
            }
        }
        return out
    }

    public static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    public static func randomBytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        _ = RAND_bytes(&out, Int32(count))
        return out
    }

    /// FNV-1a, for short stable names (bridge names, MAC bytes). Not for security.
    public static func fnv1a64(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }
}
