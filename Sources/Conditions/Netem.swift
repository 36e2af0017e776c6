/// One direction's impairment: what netem(8) does to the packets (docs/conditions.md).
public struct Netem: Codable, Sendable, Equatable, Hashable {
    /// Microseconds.
    public var delay: Int?
    /// Microseconds around `delay` (uniform, netem's default without a distribution).
    public var jitter: Int?
    /// Percent of packets.
    public var loss: Double?
    /// Bits per second.
    public var rate: UInt64?
    public var duplicate: Double?
    public var corrupt: Double?

    public init(delay: Int? = nil, jitter: Int? = nil, loss: Double? = nil, rate: UInt64? = nil,
                duplicate: Double? = nil, corrupt: Double? = nil) {
        self.delay = delay; self.jitter = jitter; self.loss = loss; self.rate = rate
        self.duplicate = duplicate; self.corrupt = corrupt
    }

    public var isEmpty: Bool { normalized == Netem() }

    /// Zero values mean "none": `--delay 0` removes a delay.
    public var normalized: Netem {
        Netem(delay: delay == 0 ? nil : delay, jitter: jitter == 0 ? nil : jitter, loss: loss == 0 ? nil : loss,
              rate: rate == 0 ? nil : rate, duplicate: duplicate == 0 ? nil : duplicate, corrupt: corrupt == 0 ? nil : corrupt)
    }

    /// These values over `self`'s: what `impair` does to a target that is already impaired.
    public func merged(with new: Netem) -> Netem {
        Netem(delay: new.delay ?? delay, jitter: new.jitter ?? jitter, loss: new.loss ?? loss, rate: new.rate ?? rate,
              duplicate: new.duplicate ?? duplicate, corrupt: new.corrupt ?? corrupt).normalized
    }

    /// Both impairments one after the other, as one netem: delays and jitters add, losses,
    /// duplications and corruptions combine as independent events, the slower rate wins.
    /// Used where a guest's own impairment meets a host pair's on the same packets.
    public func then(_ other: Netem) -> Netem {
        func sum(_ a: Int?, _ b: Int?) -> Int? { a == nil && b == nil ? nil : (a ?? 0) + (b ?? 0) }
        func either(_ a: Double?, _ b: Double?) -> Double? {
            guard a != nil || b != nil else { return nil }
            let p = 1 - (1 - (a ?? 0) / 100) * (1 - (b ?? 0) / 100)
            return (p * 1e6).rounded() / 1e4
        }
        let rates = [rate, other.rate].compactMap { $0 }
        return Netem(delay: sum(delay, other.delay), jitter: sum(jitter, other.jitter), loss: either(loss, other.loss),
                     rate: rates.min(), duplicate: either(duplicate, other.duplicate),
                     corrupt: either(corrupt, other.corrupt)).normalized
    }

    /// netem's arguments, e.g. `limit 10000 delay 100ms 10ms loss 30% rate 1mbit`. A jitter
    /// needs a delay to vary around: netem takes `delay 0us 10ms`. The queue holds 10,000
    /// packets, not netem's 1,000: at 100 ms of delay 1,000 packets are only 10,000 packets/s,
    /// and a full queue would add loss nobody asked for.
    public var tcArguments: [String] {
        var a = ["limit", "10000"]
        if delay != nil || jitter != nil {
            a += ["delay", ConditionValue.show(micros: delay ?? 0)]
            if let jitter { a.append(ConditionValue.show(micros: jitter)) }
        }
        if let loss { a += ["loss", ConditionValue.show(percent: loss)] }
        if let duplicate { a += ["duplicate", ConditionValue.show(percent: duplicate)] }
        if let corrupt { a += ["corrupt", ConditionValue.show(percent: corrupt)] }
        if let rate { a += ["rate", ConditionValue.show(bits: rate)] }
        return a
    }

    /// For people: "delay 100ms ±10ms, loss 30%, rate 1mbit".
    public var summary: String {
        var parts: [String] = []
        if delay != nil || jitter != nil {
            parts.append("delay " + ConditionValue.show(micros: delay ?? 0) + (jitter.map { " ±" + ConditionValue.show(micros: $0) } ?? ""))
        }
        if let loss { parts.append("loss " + ConditionValue.show(percent: loss)) }
        if let rate { parts.append("rate " + ConditionValue.show(bits: rate)) }
        if let duplicate { parts.append("duplicate " + ConditionValue.show(percent: duplicate)) }
        if let corrupt { parts.append("corrupt " + ConditionValue.show(percent: corrupt)) }
        return parts.isEmpty ? "none" : parts.joined(separator: ", ")
    }
}
