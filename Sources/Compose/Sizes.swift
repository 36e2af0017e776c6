import YAML

/// Memory and disk sizes: a bare number is MiB; otherwise a number (fraction allowed) and a
/// binary unit: K/KiB, M/MiB, G/GiB, T/TiB (1G = 1GiB = 1024 MiB, as qemu and libvirt count).
enum Sizes {
    static let mib: Int64 = 1 << 20
    private static let units: [String: Int64] = [
        "K": 1 << 10, "KiB": 1 << 10, "M": 1 << 20, "MiB": 1 << 20,
        "G": 1 << 30, "GiB": 1 << 30, "T": 1 << 40, "TiB": 1 << 40,
    ]
    static let help = "use MiB as a plain number, or a number with a unit: 512MiB, 1.5GiB (K, M, G, T, with or without iB)"

    /// An exact size: numerator / denominator bytes (the denominator is a power of ten).
    struct Exact: Equatable {
        var numerator: Int64
        var denominator: Int64
        func isMultiple(of granularity: Int64) -> Bool { numerator % (denominator * granularity) == 0 }
        var bytes: Int64 { numerator / denominator }
    }

    /// Bytes, a whole multiple of `granularity` (named in the message: "MiB", "bytes").
    static func bytes(_ node: Node, _ path: KeyPath, granularity: Int64 = 1, named name: String = "bytes",
                      ctx: DecodeContext) -> Int64? {
        guard let text = node.scalar?.value, !node.isNull, let size = parse(text) else {
            ctx.error(node.mark, path, "invalid size \(Values.describe(node)): \(help)")
            return nil
        }
        guard size.isMultiple(of: granularity) else {
            ctx.error(node.mark, path, "`\(text)` is not a whole number of \(name)")
            return nil
        }
        return size.bytes
    }

    /// Memory: whole MiB, at least `min`.
    static func mebibytes(_ node: Node, _ path: KeyPath, min: Int, ctx: DecodeContext) -> Int? {
        guard let b = bytes(node, path, granularity: mib, named: "MiB", ctx: ctx) else { return nil }
        let m = Int(b / mib)
        guard m >= min else {
            ctx.error(node.mark, path, "must be at least \(min) MiB, got \(m) MiB")
            return nil
        }
        return m
    }

    /// "1.5GiB", "512 M", "2048" (MiB); nil for anything else or more than Int64 holds.
    static func parse(_ text: String) -> Exact? {
        let digits = text.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
        var unitText = text.dropFirst(digits.count)
        if unitText.first == " " { unitText = unitText.dropFirst() }
        let parts = digits.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty, parts.count == 1 || !parts[1].isEmpty,
              let unit = unitText.isEmpty ? mib : units[String(unitText)] else { return nil }
        let fraction = parts.count == 2 ? parts[1] : ""
        guard fraction.count <= 12, let number = Int64(parts[0] + fraction) else { return nil }
        let (numerator, overflow) = number.multipliedReportingOverflow(by: unit)
        guard !overflow else { return nil }
        var denominator: Int64 = 1
        for _ in 0..<fraction.count { denominator *= 10 }
        return Exact(numerator: numerator, denominator: denominator)
    }
}
