/// One domain's statistics from libvirt's bulk call, typed: what the metric families are built
/// from. Parsed from libvirt's flat parameters (`cpu.time`, `net.0.rx.bytes`, ...), so it can be
/// built in tests without a hypervisor. Values a driver or domain did not report are nil.
public struct DomainStats: Sendable, Equatable {
    public struct NIC: Sendable, Equatable {
        /// Position among the domain's interfaces (libvirt's `net.<n>`).
        public var index: Int
        /// The host side device (tap), e.g. `vnet3`; changes when the guest restarts.
        public var device: String
        /// The guest NIC's MAC, when the caller could read it from the domain's XML.
        public var mac: String?
        public var rxBytes, rxPackets, rxErrors, rxDrops: Double?
        public var txBytes, txPackets, txErrors, txDrops: Double?

        public init(index: Int, device: String, mac: String? = nil) { self.index = index; self.device = device; self.mac = mac }
    }

    public struct Disk: Sendable, Equatable {
        /// Target device in the guest, e.g. `vda`, `hdc`.
        public var name: String
        public var path: String?
        public var readBytes, readRequests, writeBytes, writeRequests: Double?
    }

    /// libvirt's domain name (`<project>-<guest>`).
    public var domain: String
    /// virDomainState: 1 running, 2 blocked, 3 paused, 4 shutting down, 5 shut off, 6 crashed,
    /// 7 suspended by the guest; 0 unknown.
    public var state: Int
    public var cpuTimeSeconds: Double?
    public var vcpus: Int?
    /// Per vCPU time in seconds, by vCPU number.
    public var vcpuTimeSeconds: [Int: Double] = [:]
    /// Balloon: current and maximum memory, the QEMU process's RSS, and what the guest reports
    /// through a balloon driver (available, usable, unused), all in bytes.
    public var memoryCurrentBytes, memoryMaximumBytes, memoryRSSBytes: Double?
    public var memoryAvailableBytes, memoryUsableBytes, memoryUnusedBytes: Double?
    public var nics: [NIC] = []
    public var disks: [Disk] = []

    public init(domain: String, state: Int) { self.domain = domain; self.state = state }

    /// Parses libvirt's parameters (names and units as virConnectGetAllDomainStats documents).
    public init(domain: String, numbers n: [String: Double], strings s: [String: String]) {
        self.init(domain: domain, state: Int(n["state.state"] ?? 0))
        cpuTimeSeconds = n["cpu.time"].map { $0 / 1e9 }
        vcpus = n["vcpu.current"].map { Int($0) }
        for i in 0..<Int(n["vcpu.maximum"] ?? n["vcpu.current"] ?? 0) {
            if let t = n["vcpu.\(i).time"] { vcpuTimeSeconds[i] = t / 1e9 }
        }
        let kib = { (key: String) in n["balloon.\(key)"].map { $0 * 1024 } }
        memoryCurrentBytes = kib("current"); memoryMaximumBytes = kib("maximum"); memoryRSSBytes = kib("rss")
        memoryAvailableBytes = kib("available"); memoryUsableBytes = kib("usable"); memoryUnusedBytes = kib("unused")
        for i in 0..<Int(n["net.count"] ?? 0) {
            let p = "net.\(i)."
            // An interface without a host device (not started yet) has no name and no counters.
            guard let device = s[p + "name"] else { continue }
            var nic = NIC(index: i, device: device)
            nic.rxBytes = n[p + "rx.bytes"]; nic.rxPackets = n[p + "rx.pkts"]; nic.rxErrors = n[p + "rx.errs"]; nic.rxDrops = n[p + "rx.drop"]
            nic.txBytes = n[p + "tx.bytes"]; nic.txPackets = n[p + "tx.pkts"]; nic.txErrors = n[p + "tx.errs"]; nic.txDrops = n[p + "tx.drop"]
            nics.append(nic)
        }
        for i in 0..<Int(n["block.count"] ?? 0) {
            let p = "block.\(i)."
            // With the backing chain flag libvirt adds entries per backing layer; we ask without it.
            guard let name = s[p + "name"] else { continue }
            disks.append(Disk(name: name, path: s[p + "path"], readBytes: n[p + "rd.bytes"], readRequests: n[p + "rd.reqs"],
                              writeBytes: n[p + "wr.bytes"], writeRequests: n[p + "wr.reqs"]))
        }
    }

    /// The state's name as `tbctl status` shows it.
    public var stateName: String { Self.stateName(state) }

    public static func stateName(_ state: Int) -> String {
        switch state {
        case 1, 2: "running"
        case 3, 7: "paused"
        case 4: "shutdown"
        case 5: "shutoff"
        case 6: "crashed"
        default: "unknown"
        }
    }
}
