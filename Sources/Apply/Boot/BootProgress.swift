import Hosts

/// Whether a booting guest still makes progress, from what its host shows of it (pure: the
/// caller passes the time). A guest is waited for as long as its domain runs and moves: its
/// console grows or its CPU time grows at all (a guest starved by 50 others gets a few
/// hundredths of a core: any growth counts, or healthy guests are given up). It is given up at once
/// when it panics (the console says so), crashes or stops, and after `stallWindow` without
/// any progress.
public struct BootProgress: Sendable {
    public enum Verdict: Sendable, Equatable {
        /// The console shows a kernel panic (the kernel may still spin, so CPU time grows).
        case panicked
        /// The domain crashed or stopped (pvpanic with on_crash destroy, QEMU died, poweroff).
        case stopped(DomainState?)
        /// Neither console nor CPU time moved for this long.
        case stalled(Duration)

        /// A crash is worth one more start; a stall is not (it would stall again).
        public var restartable: Bool { if case .stalled = self { false } else { true } }

        public var text: String {
            switch self {
            case .panicked: "its kernel panicked"
            case .stopped(let s): s == .crashed ? "it crashed" : s == nil ? "its domain is gone" : "its domain stopped (\(s!.rawValue))"
            case .stalled(let d): "it made no progress for \(Int(d.seconds.rounded())) s (console and CPU time still)"
            }
        }
    }

    /// What one sample shows of the guest. nil fields: not known this time (no verdict on them).
    public struct Observation: Sendable {
        public var state: DomainState?
        public var domainKnown: Bool
        public var cpuSeconds: Double?
        public var console: ConsoleLogs.Mark?
        public init(state: DomainState?, domainKnown: Bool = true, cpuSeconds: Double?, console: ConsoleLogs.Mark?) {
            self.state = state; self.domainKnown = domainKnown; self.cpuSeconds = cpuSeconds; self.console = console
        }
    }

    public let stallWindow: Duration
    /// CPU time that counts as progress: any measurable growth (libvirt's cpu.time is in ns).
    public let minCPUSeconds: Double
    private var lastProgress: ContinuousClock.Instant
    private var cpuAtProgress: Double?
    private var consoleBytes: Int?

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
        if let bytes = o.console?.bytes {
            if let before = consoleBytes, bytes > before { moved = true }
            consoleBytes = bytes
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
