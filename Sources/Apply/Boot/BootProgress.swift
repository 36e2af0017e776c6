import Hosts

/// Whether a booting guest still makes progress, from what its host shows of it (pure: the
/// caller passes the time). A guest is waited for as long as its domain runs and moves: its
/// console grows, its CPU time grows at all (a guest starved by 50 others gets a few
/// hundredths of a core: any growth counts, or healthy guests are given up), or its address
/// answers ARP again. It is given up at once when it panics (libvirt's event from its pvpanic
/// device, or its console), crashes or stops, and after `stallWindow` without any progress.
public struct BootProgress: Sendable {
    public enum Verdict: Sendable, Equatable {
        /// The console shows a kernel panic (the kernel may still spin, so CPU time grows).
        case panicked
        /// The domain crashed or stopped (pvpanic with on_crash destroy, QEMU died, poweroff).
        case stopped(DomainState?)
        /// libvirt's lifecycle event said the domain stopped on its own (`DomainStop`).
        case reported(DomainStop.Why)
        /// Neither console nor CPU time moved for this long.
        case stalled(Duration)

        /// A crash is worth one more start; a stall is not (it would stall again).
        public var restartable: Bool { if case .stalled = self { false } else { true } }

        public var text: String {
            switch self {
            case .panicked: "its kernel panicked"
            case .stopped(let s): s == .crashed ? "it crashed" : s == nil ? "its domain is gone" : "its domain stopped (\(s!.rawValue))"
            case .reported(.panicked): "its kernel panicked (its pvpanic device told libvirt)"
            case .reported(.failed): "its QEMU process failed"
            case .reported(.poweredOff): "it powered itself off"
            case .stalled(let d): "it made no progress for \(Int(d.seconds.rounded())) s (console, CPU time and ARP still)"
            }
        }
    }

    /// What one sample shows of the guest. nil fields: not known this time (no verdict on them).
    public struct Observation: Sendable {
        public var state: DomainState?
        public var domainKnown: Bool
        public var cpuSeconds: Double?
        public var console: ConsoleLogs.Mark?
        /// Whether the host's neighbour entry for the guest's management address is REACHABLE
        /// with the guest's MAC (nil: the guest has no management address).
        public var answersARP: Bool?
        public init(state: DomainState?, domainKnown: Bool = true, cpuSeconds: Double?, console: ConsoleLogs.Mark?,
                    answersARP: Bool? = nil) {
            self.state = state; self.domainKnown = domainKnown; self.cpuSeconds = cpuSeconds; self.console = console
            self.answersARP = answersARP
        }
    }

    public let stallWindow: Duration
    /// CPU time that counts as progress: any measurable growth (libvirt's cpu.time is in ns).
    public let minCPUSeconds: Double
    private var lastProgress: ContinuousClock.Instant
    private var cpuAtProgress: Double?
    private var consoleBytes: Int?
    private var answeredARP = false

    public init(stallWindow: Duration, since: ContinuousClock.Instant) {
        self.stallWindow = stallWindow
        self.minCPUSeconds = 0.001
        self.lastProgress = since
    }

    /// Takes one sample in; returns why the wait must end, or nil to go on waiting.
    public mutating func observe(_ o: Observation, at now: ContinuousClock.Instant) -> Verdict? {
        if o.console?.panicked == true { return .panicked }
        if !o.domainKnown { return .stopped(nil) }
        if let s = o.state, s == .shutoff || s == .crashed || s == .shutdown { return .stopped(s) }
        var moved = false
        // The first sample that shows the guest is the baseline its progress is measured from:
        // until then nothing was seen still (a sampler that ran late, say on a loaded machine,
        // has no evidence of a stall).
        if cpuAtProgress == nil && consoleBytes == nil && (o.cpuSeconds != nil || o.console != nil) {
            moved = true
        }
        if let bytes = o.console?.bytes {
            if let before = consoleBytes, bytes > before { moved = true }
            consoleBytes = bytes
        }
        // An entry that becomes REACHABLE is a fresh answer (the kernel keeps it so for ~30 s).
        if let arp = o.answersARP {
            if arp && !answeredARP { moved = true }
            answeredARP = arp
        }
        if let cpu = o.cpuSeconds {
            if let base = cpuAtProgress {
                if cpu - base >= minCPUSeconds || cpu < base { moved = true }
            } else {
                cpuAtProgress = cpu
            }
        }
        if moved {
            lastProgress = now
            cpuAtProgress = o.cpuSeconds ?? cpuAtProgress
        }
        let still = lastProgress.duration(to: now)
        return still >= stallWindow ? .stalled(still) : nil
    }
}
