import Core

/// A fault a test injects: on matching calls, fail, make the host vanish, or be slow.
public struct Fault: Sendable {
    public enum Effect: Sendable {
        /// The call throws this error; nothing changes.
        case fail(TBError)
        /// The host disappears at this call: it and every later call to the host fail.
        case vanish
        /// The call takes this long before it acts (to observe concurrency).
        case delay(Duration)
        /// The call waits until `count` calls of its operation have been in flight together
        /// (once that happened, calls pass), or `timeout` passed: concurrency made visible
        /// without depending on the machine's speed.
        case barrier(count: Int, timeout: Duration)
    }

    public var host: String?
    /// An operation (`domain.start`) or a family of them (`domain.`).
    public var op: String?
    /// The object's name must contain this (a domain `lab-web-1`, a guest `web-1`).
    public var object: String?
    public var effect: Effect
    /// How many matching calls it affects (nil: all).
    public var times: Int?

    public init(host: String? = nil, op: String? = nil, object: String? = nil, _ effect: Effect, times: Int? = nil) {
        self.host = host; self.op = op; self.object = object; self.effect = effect; self.times = times
    }

    /// A call that fails with a libvirt-like error.
    public static func failing(_ op: String, host: String? = nil, object: String? = nil,
                               _ message: String = "injected failure") -> Fault {
        Fault(host: host, op: op, object: object, .fail(TBError(.libvirt, message)))
    }

    func matches(_ call: Call) -> Bool {
        (host == nil || host == call.host)
            && (op.map { $0.hasSuffix(".") ? call.op.hasPrefix($0) : call.op == $0 } ?? true)
            && (object.map { call.object.contains($0) } ?? true)
    }
}
