import TestbedState

/// The per-guest families, named as the common libvirt exporters name them
/// (libvirt_domain_info_*, libvirt_domain_memory_stats_*, libvirt_domain_vcpu_*,
/// libvirt_domain_interface_stats_*, libvirt_domain_block_stats_*), so that dashboards and
/// queries written for those exporters work; counters end in `_total`.
enum LibvirtFamilies {
    typealias F = MetricFamily

    static func build(_ obs: Observation, _ index: GuestIndex) -> [MetricFamily] {
        var f = Families()
        // In the state's order (hosts, then guests), whatever order libvirt listed them in.
        for g in index.state.guests {
            guard let d = obs.domain(g.domain, on: g.host) else { continue }
            add(d, index.labels(g), to: &f, network: { index.network(of: $0, guest: g) })
        }
        return f.all
    }

    private static func add(_ d: DomainStats, _ base: [F.Label], to f: inout Families, network: (DomainStats.NIC) -> String) {
        f.add("libvirt_domain_info_state", .gauge,
              "Domain state as libvirt numbers it: 1 running, 3 paused, 4 shutting down, 5 shut off, 6 crashed.",
              base, Double(d.state))
        f.add("libvirt_domain_info_cpu_time_seconds_total", .counter, "CPU time used by the domain, in seconds.", base, d.cpuTimeSeconds)
        f.add("libvirt_domain_info_virtual_cpus", .gauge, "Number of virtual CPUs of the domain.", base, d.vcpus.map(Double.init))
        f.add("libvirt_domain_info_maximum_memory_bytes", .gauge, "Maximum memory of the domain, in bytes.", base, d.memoryMaximumBytes)
        f.add("libvirt_domain_info_memory_usage_bytes", .gauge, "Current memory of the domain (balloon), in bytes.", base, d.memoryCurrentBytes)
        f.add("libvirt_domain_memory_stats_rss_bytes", .gauge, "Resident set size of the domain's QEMU process, in bytes.", base, d.memoryRSSBytes)
        f.add("libvirt_domain_memory_stats_available_bytes", .gauge,
              "Memory the guest sees as available, in bytes (needs a balloon driver in the guest).", base, d.memoryAvailableBytes)
        f.add("libvirt_domain_memory_stats_usable_bytes", .gauge,
              "Memory the guest can use without swapping, in bytes (needs a balloon driver in the guest).", base, d.memoryUsableBytes)
        f.add("libvirt_domain_memory_stats_unused_bytes", .gauge,
              "Memory the guest leaves unused, in bytes (needs a balloon driver in the guest).", base, d.memoryUnusedBytes)
        for (vcpu, t) in d.vcpuTimeSeconds.sorted(by: { $0.key < $1.key }) {
            f.add("libvirt_domain_vcpu_time_seconds_total", .counter, "CPU time used by one virtual CPU, in seconds.",
                  base + [.init("vcpu", String(vcpu))], t)
        }
        for nic in d.nics { addNIC(nic, base + [.init("network", network(nic))], to: &f) }
        for disk in d.disks { addDisk(disk, base + [.init("disk", disk.name)], to: &f) }
    }

    private static func addNIC(_ n: DomainStats.NIC, _ l: [F.Label], to f: inout Families) {
        let p = "libvirt_domain_interface_stats_"
        f.add(p + "receive_bytes_total", .counter, "Bytes received by the guest on a network interface.", l, n.rxBytes)
        f.add(p + "receive_packets_total", .counter, "Packets received by the guest on a network interface.", l, n.rxPackets)
        f.add(p + "receive_errors_total", .counter, "Receive errors on a network interface.", l, n.rxErrors)
        f.add(p + "receive_drops_total", .counter, "Received packets dropped on a network interface.", l, n.rxDrops)
        f.add(p + "transmit_bytes_total", .counter, "Bytes sent by the guest on a network interface.", l, n.txBytes)
        f.add(p + "transmit_packets_total", .counter, "Packets sent by the guest on a network interface.", l, n.txPackets)
        f.add(p + "transmit_errors_total", .counter, "Transmit errors on a network interface.", l, n.txErrors)
        f.add(p + "transmit_drops_total", .counter, "Sent packets dropped on a network interface.", l, n.txDrops)
    }

    private static func addDisk(_ d: DomainStats.Disk, _ l: [F.Label], to f: inout Families) {
        let p = "libvirt_domain_block_stats_"
        f.add(p + "read_bytes_total", .counter, "Bytes read from a block device.", l, d.readBytes)
        f.add(p + "read_requests_total", .counter, "Read requests to a block device.", l, d.readRequests)
        f.add(p + "write_bytes_total", .counter, "Bytes written to a block device.", l, d.writeBytes)
        f.add(p + "write_requests_total", .counter, "Write requests to a block device.", l, d.writeRequests)
    }
}

/// Collects samples into families by name, keeping the order names first appear in.
struct Families {
    private var order: [String] = []
    private var byName: [String: MetricFamily] = [:]

    mutating func add(_ name: String, _ kind: MetricFamily.Kind, _ help: String, _ labels: [MetricFamily.Label],
                      _ value: Double?, timestampMs: Int64? = nil, suffix: String = "") {
        if byName[name] == nil { order.append(name); byName[name] = MetricFamily(name, kind, help) }
        guard let value else { return }
        byName[name]!.samples.append(.init(labels, value, timestampMs: timestampMs, suffix: suffix))
    }

    var all: [MetricFamily] { order.map { byName[$0]! } }
}
