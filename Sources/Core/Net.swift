import Foundation

/// IPv4 addresses, subnets and MAC addresses: parsed strictly, printed canonically.
public struct IPv4: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    public var raw: UInt32
    public init(raw: UInt32) { self.raw = raw }

    /// Dotted quad only: four decimal parts 0-255, no leading zeros (01 is ambiguous: octal?).
    public init?(_ s: some StringProtocol) {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var v: UInt32 = 0
        for p in parts {
            guard !p.isEmpty, p.count <= 3, p.allSatisfy(\.isASCII), p.allSatisfy(\.isNumber),
                  !(p.count > 1 && p.hasPrefix("0")), let n = UInt32(p), n <= 255 else { return nil }
            v = v << 8 | n
        }
        raw = v
    }

    public var description: String {
        "\(raw >> 24).\(raw >> 16 & 0xff).\(raw >> 8 & 0xff).\(raw & 0xff)"
    }
    public static func < (a: IPv4, b: IPv4) -> Bool { a.raw < b.raw }
    public func advanced(by n: Int) -> IPv4 { IPv4(raw: UInt32(truncatingIfNeeded: Int64(raw) + Int64(n))) }

    public init(from decoder: any Decoder) throws {
        let s = try decoder.singleValueContainer().decode(String.self)
        guard let v = IPv4(s) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad IPv4 \(s)"))
        }
        self = v
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

/// An IPv4 subnet in CIDR form. `10.0.0.5/24` is rejected: host bits must be zero.
public struct Subnet: Hashable, Sendable, CustomStringConvertible {
    public var network: IPv4
    public var prefix: Int

    public init(network: IPv4, prefix: Int) { self.network = network; self.prefix = prefix }

    public enum ParseError: Error, Equatable { case syntax, hostBitsSet(Subnet) }

    public static func parse(_ s: String) -> Result<Subnet, ParseError> {
        let parts = s.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let ip = IPv4(parts[0]), parts[1].allSatisfy(\.isNumber),
              let p = Int(parts[1]), (0...32).contains(p) else { return .failure(.syntax) }
        let sub = Subnet(network: IPv4(raw: ip.raw & Subnet.mask(p)), prefix: p)
        return sub.network == ip ? .success(sub) : .failure(.hostBitsSet(sub))
    }

    public init?(_ s: String) {
        guard case .success(let v) = Subnet.parse(s) else { return nil }
        self = v
    }

    static func mask(_ p: Int) -> UInt32 { p == 0 ? 0 : UInt32.max << (32 - p) }
    public var mask: UInt32 { Subnet.mask(prefix) }
    public var size: Int { 1 << (32 - prefix) }
    public var broadcast: IPv4 { IPv4(raw: network.raw | ~mask) }
    public func contains(_ ip: IPv4) -> Bool { ip.raw & mask == network.raw }
    /// Addresses a host may use: all but the network and broadcast address (for /31 and /32, all).
    public var usable: ClosedRange<UInt32> {
        prefix >= 31 ? network.raw...broadcast.raw : (network.raw + 1)...(broadcast.raw - 1)
    }
    public func overlaps(_ o: Subnet) -> Bool { contains(o.network) || o.contains(network) }
    public var description: String { "\(network)/\(prefix)" }
}

/// A MAC address, printed lowercase with colons.
public struct MAC: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var bytes: [UInt8]
    public init(bytes: [UInt8]) { precondition(bytes.count == 6); self.bytes = bytes }

    public init?(_ s: String) {
        let parts = s.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 6 else { return nil }
        var b: [UInt8] = []
        for p in parts {
            guard p.count == 2, let v = UInt8(p, radix: 16) else { return nil }
            b.append(v)
        }
        bytes = b
    }

    public var isMulticast: Bool { bytes[0] & 1 == 1 }
    public var description: String { bytes.map { String(format: "%02x", $0) }.joined(separator: ":") }
    public static func < (a: MAC, b: MAC) -> Bool { a.bytes.lexicographicallyPrecedes(b.bytes) }
}
