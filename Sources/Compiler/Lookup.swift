import Core
import TestbedState

// Lookups by name built once per compilation, so that per-guest work does not scan every guest
// or network again (a linear `first { $0.name == ... }` per guest is quadratic at 1,000 guests).

/// The previous state's guests by name. Like `TestbedState.guest(named:)`, the first guest of a
/// name wins (a valid state has no duplicates).
struct PreviousGuests {
    private let byName: [String: Guest]

    init(_ previous: TestbedState?) {
        byName = Dictionary(previous?.guests.map { ($0.name, $0) } ?? [], uniquingKeysWith: { first, _ in first })
    }

    var isEmpty: Bool { byName.isEmpty }
    subscript(name: String) -> Guest? { byName[name] }
}

/// The compiled guest networks by name, with their prefix length parsed once.
struct NetworkIndex {
    private let byName: [String: (network: TestbedState.Network, prefix: Int)]

    init(_ networks: [TestbedState.Network]) {
        var out: [String: (network: TestbedState.Network, prefix: Int)] = [:]
        for net in networks where out[net.name] == nil { out[net.name] = (net, Subnet(net.subnet)!.prefix) }
        byName = out
    }

    subscript(name: String) -> (network: TestbedState.Network, prefix: Int)? { byName[name] }
}

extension MAC {
    /// The same text as `description` (lowercase hex pairs joined by `:`), without going
    /// through `String(format:)`, which costs microseconds per byte and dominated compile time.
    var text: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 3)
        for (i, b) in bytes.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ":")) }
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xf)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
