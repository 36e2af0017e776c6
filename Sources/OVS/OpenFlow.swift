import Core

/// OpenFlow flows on a bridge through ovs-ofctl (partitions, docs/conditions.md). Flows live in
/// ovs-vswitchd, not in ovsdb: they are read back by cookie.
extension OVSSwitch {
    public func flowCookies(bridge: String, matching match: String) async throws -> [UInt64]? {
        let exists = try await runner.run(["ovs-vsctl", OVSSwitch.timeout, "br-exists", bridge])
        guard exists.status == 0 else {
            if exists.status == 2 { return nil }
            throw TBError(.ovs, "ovs-vsctl br-exists \(bridge) failed (exit \(exists.status))", object: runner.location,
                          cause: exists.stderr.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let dump = try await runner.check(["ovs-ofctl", "--no-stats", "dump-flows", bridge, "cookie=" + match], code: .ovs)
        return Self.cookies(dump)
    }

    public func applyFlows(bridge: String, _ lines: String) async throws {
        try await runner.check(["ovs-ofctl", "--bundle", "add-flows", bridge, "-"], stdin: Array(lines.utf8), code: .ovs)
    }

    /// The `cookie=0x…` of each flow line of `ovs-ofctl dump-flows` (the header line has none).
    static func cookies(_ dump: String) -> [UInt64] {
        dump.split(separator: "\n").compactMap { line in
            guard let r = line.range(of: "cookie=0x") else { return nil }
            return UInt64(line[r.upperBound...].prefix { $0.isHexDigit }, radix: 16)
        }
    }
}
