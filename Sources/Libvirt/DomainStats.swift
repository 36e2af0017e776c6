import CLibvirt
import Core

/// What `virConnectGetAllDomainStats` reports for one domain: libvirt's flat typed parameters
/// (`state.state`, `cpu.time`, `net.0.rx.bytes`, `block.1.name`, ...), numbers and strings kept
/// apart. Field names and units are libvirt's (docs of virConnectGetAllDomainStats): times in
/// nanoseconds, balloon sizes in KiB, byte counters in bytes.
public struct DomainStatsRecord: Sendable {
    public let domain: Domain
    /// The hypervisor's id of a running domain (a new one at every start), nil when it is off.
    public let id: Int?
    /// Every numeric parameter (int, uint, llong, ullong, double; booleans as 0 or 1).
    public var numbers: [String: Double]
    public var strings: [String: String]

    public var name: String { domain.name }
}

/// The groups of statistics to ask for (VIR_DOMAIN_STATS_*).
public struct DomainStatsGroups: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let state = Self(rawValue: VIR_DOMAIN_STATS_STATE.rawValue)
    public static let cpuTotal = Self(rawValue: VIR_DOMAIN_STATS_CPU_TOTAL.rawValue)
    public static let balloon = Self(rawValue: VIR_DOMAIN_STATS_BALLOON.rawValue)
    public static let vcpu = Self(rawValue: VIR_DOMAIN_STATS_VCPU.rawValue)
    public static let interface = Self(rawValue: VIR_DOMAIN_STATS_INTERFACE.rawValue)
    public static let block = Self(rawValue: VIR_DOMAIN_STATS_BLOCK.rawValue)
    /// What a monitoring scrape wants: state, CPU, memory, vCPUs, NICs and disks.
    public static let monitoring: Self = [.state, .cpuTotal, .balloon, .vcpu, .interface, .block]
}

extension LibvirtConnection {
    /// Statistics of every domain of the host in one call (`virsh domstats` does the same).
    /// With `nowait` (VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT) a domain whose QEMU monitor is
    /// busy (a snapshot, a migration) reports what it can at once instead of stalling the whole
    /// scrape. Groups a driver does not support are left out, not an error.
    public func allDomainStats(_ groups: DomainStatsGroups = .monitoring, nowait: Bool = true) async throws -> [DomainStatsRecord] {
        try await blocking {
            var list: UnsafeMutablePointer<virDomainStatsRecordPtr?>?
            let flags = nowait ? VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT.rawValue : 0
            let count = try check(virConnectGetAllDomainStats(try self.handle, groups.rawValue, &list, flags),
                                  "cannot read domain statistics", object: self.uri)
            guard let list else { return [] }
            defer { virDomainStatsRecordListFree(list) }
            return (0..<Int(count)).compactMap { i in list[i].flatMap { self.record($0.pointee) } }
        }
    }

    /// Converts one record. The domain pointer belongs to the list: take a reference of our own.
    private func record(_ raw: virDomainStatsRecord) -> DomainStatsRecord? {
        guard let dom = raw.dom, virDomainRef(dom) == 0 else { return nil }
        let domain = Domain(taking: dom, connection: self)
        let id = virDomainGetID(dom)
        var out = DomainStatsRecord(domain: domain, id: id == UInt32.max ? nil : Int(id), numbers: [:], strings: [:])
        for p in UnsafeBufferPointer(start: raw.params, count: Int(raw.nparams)) {
            let field = withUnsafeBytes(of: p.field) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            switch UInt32(p.type) {
            case VIR_TYPED_PARAM_INT.rawValue: out.numbers[field] = Double(p.value.i)
            case VIR_TYPED_PARAM_UINT.rawValue: out.numbers[field] = Double(p.value.ui)
            case VIR_TYPED_PARAM_LLONG.rawValue: out.numbers[field] = Double(p.value.l)
            case VIR_TYPED_PARAM_ULLONG.rawValue: out.numbers[field] = Double(p.value.ul)
            case VIR_TYPED_PARAM_DOUBLE.rawValue: out.numbers[field] = p.value.d
            case VIR_TYPED_PARAM_BOOLEAN.rawValue: out.numbers[field] = p.value.b != 0 ? 1 : 0
            case VIR_TYPED_PARAM_STRING.rawValue: out.strings[field] = p.value.s.map { String(cString: $0) } ?? ""
            default: continue
            }
        }
        return out
    }
}
