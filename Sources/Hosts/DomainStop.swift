/// A domain that stopped running on its own, as libvirt's lifecycle events tell it the moment
/// it happens (no polling): a boot wait ends on it at once instead of at its next sample.
public struct DomainStop: Sendable, Equatable {
    public enum Why: Sendable, Equatable {
        /// The guest's kernel panicked and said so through its pvpanic device (libvirt's
        /// CRASHED event; on_crash then destroys the domain).
        case panicked
        /// QEMU failed or was killed (STOPPED with detail FAILED).
        case failed
        /// The guest powered itself off (STOPPED with detail SHUTDOWN).
        case poweredOff
    }
    public var domain: String
    public var why: Why
    public init(domain: String, why: Why) { self.domain = domain; self.why = why }
}
