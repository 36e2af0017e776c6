import Core
import Hosts
import TestbedState

/// In-memory testbed hosts for unit tests of Apply: a `HostConnector` whose hosts keep
/// domains, pools, volumes, networks and OVS bridges in one `World`, enforce what libvirt would
/// (a domain starts only with its disks, backing files and networks present; a pool lists its
/// volumes only while started; a snapshot reverts the guest's files), record every call, and
/// fail, vanish or slow down where a test injects a `Fault`.
public final class FakeLab: HostConnector {
    let world: Locked<World>
    /// Subscribers to each host's domain stops (`domainStops`), by host and subscription.
    let stopSubscribers = Locked<[String: [Int: AsyncStream<DomainStop>.Continuation]]>([:])
    private let sequence = Locked(0)
    /// Answers commands run in guests (setup scripts); nil or a nil answer: exit 0, no output.
    let execResponder = Locked<(@Sendable (_ guest: String, _ command: String) -> CommandResult?)?>(nil)

    /// A lab whose hosts are the state's (and its retired ones), all empty.
    public init(_ state: TestbedState) {
        var w = World()
        for h in state.hosts + (state.retiredHosts ?? []) { w.hosts[h.name] = HostWorld() }
        world = Locked(w)
    }

    public func connect(_ host: Host) async throws -> any HostConnection {
        try await call(host.name, "host.connect", host.name)
        guard world.withLock({ $0.hosts[host.name] != nil }) else {
            throw TBError(.libvirt, "cannot open libvirt connection", object: host.libvirtURI)
        }
        return FakeHost(lab: self, spec: host)
    }

    // MARK: - faults

    public func inject(_ fault: Fault) { world.withLock { $0.faults.append(fault) } }

    /// Answers every command run in a guest: the guest's name and the command line in, a
    /// result out (nil: exit 0).
    public func onExec(_ responder: @escaping @Sendable (_ guest: String, _ command: String) -> CommandResult?) {
        execResponder.withLock { $0 = responder }
    }

    /// Makes a guest (its domain) ignore ACPI shutdown requests.
    public func ignoreACPI(host: String, domain: String) {
        world.withLock { $0.hosts[host]?.domains[domain]?.ignoresACPI = true }
    }

    /// Makes a guest ignore `poweroff` run in it over SSH.
    public func ignorePoweroff(host: String, domain: String) {
        world.withLock { $0.hosts[host]?.domains[domain]?.ignoresPoweroff = true }
    }

    // MARK: - events

    func subscribeStops(_ host: String) -> AsyncStream<DomainStop> {
        let (stream, c) = AsyncStream.makeStream(of: DomainStop.self)
        let id = newSequence()
        stopSubscribers.withLock { $0[host, default: [:]][id] = c }
        c.onTermination = { [stopSubscribers] _ in _ = stopSubscribers.withLock { $0[host]?.removeValue(forKey: id) } }
        return stream
    }

    /// Tells every subscriber of `host` that a domain stopped on its own.
    public func sendStop(_ host: String, _ stop: DomainStop) {
        for c in stopSubscribers.withLock({ Array(($0[host] ?? [:]).values) }) { c.yield(stop) }
    }

    /// The number of live subscriptions to a host's domain stops.
    public func stopSubscriptions(_ host: String) -> Int { stopSubscribers.withLock { $0[host]?.count ?? 0 } }

    // MARK: - looking

    public var current: World { world.current }
    public var calls: [Call] { world.current.calls }
    public func host(_ name: String) -> HostWorld { world.current.hosts[name] ?? HostWorld() }
    /// The most calls of `op` that were in flight at once.
    public func maxConcurrent(_ op: String) -> Int { world.current.maxInFlight[op] ?? 0 }
    /// Changes the world directly (a test's "meanwhile, outside tbctl").
    public func edit(_ change: (inout World) -> Void) { world.withLock { change(&$0) } }

    // MARK: - the one door every fake call goes through

    /// Logs the call, applies the faults that match it, and keeps count of calls in flight.
    func call(_ host: String, _ op: String, _ object: String) async throws {
        let c = Call(host: host, op: op, object: object)
        let effects = try world.withLock { w -> [Fault.Effect] in
            w.calls.append(c)
            guard !w.vanished.contains(host) else { throw Self.gone(host) }
            var out: [Fault.Effect] = []
            for i in w.faults.indices where w.faults[i].matches(c) && (w.faults[i].times ?? 1) > 0 {
                if let n = w.faults[i].times { w.faults[i].times = n - 1 }
                out.append(w.faults[i].effect)
            }
            if out.contains(where: { if case .vanish = $0 { true } else { false } }) {
                w.vanished.insert(host)
                throw Self.gone(host)
            }
            w.inFlight[op, default: 0] += 1
            w.maxInFlight[op] = max(w.maxInFlight[op] ?? 0, w.inFlight[op]!)
            return out
        }
        defer { world.withLock { $0.inFlight[op, default: 1] -= 1 } }
        for e in effects {
            switch e {
            case .delay(let d): try await Task.sleep(for: d)
            case .barrier(let count, let timeout):
                let end = ContinuousClock.now + timeout
                while world.withLock({ $0.maxInFlight[op, default: 0] }) < count && ContinuousClock.now < end {
                    try await Task.sleep(for: .milliseconds(2))
                }
            case .fail(let error): throw error
            case .vanish: break
            }
        }
    }

    static func gone(_ host: String) -> TBError {
        TBError(.libvirt, "cannot recv data: connection reset by peer (the host vanished)", object: "host \(host)")
    }

    /// Reads or changes one host's world under the lock.
    func with<T>(_ host: String, _ body: (inout HostWorld) throws -> T) rethrows -> T {
        try world.withLock { w in try body(&w.hosts[host, default: HostWorld()]) }
    }

    func newSequence() -> Int { sequence.withLock { $0 += 1; return $0 } }

    func newUUID() -> String {
        world.withLock { w in
            defer { w.nextUUID += 1 }
            return String(format: "00000000-0000-4000-8000-%012d", w.nextUUID)
        }
    }
}
