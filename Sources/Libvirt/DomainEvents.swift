import CLibvirt
import Core
import Foundation

/// One domain lifecycle event (VIR_DOMAIN_EVENT_ID_LIFECYCLE).
public struct DomainLifecycleEvent: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case defined, undefined, started, suspended, resumed, stopped, shutdown, pmsuspended, crashed
        case unknown(Int32)

        init(_ raw: Int32) {
            switch UInt32(raw) {
            case VIR_DOMAIN_EVENT_DEFINED.rawValue: self = .defined
            case VIR_DOMAIN_EVENT_UNDEFINED.rawValue: self = .undefined
            case VIR_DOMAIN_EVENT_STARTED.rawValue: self = .started
            case VIR_DOMAIN_EVENT_SUSPENDED.rawValue: self = .suspended
            case VIR_DOMAIN_EVENT_RESUMED.rawValue: self = .resumed
            case VIR_DOMAIN_EVENT_STOPPED.rawValue: self = .stopped
            case VIR_DOMAIN_EVENT_SHUTDOWN.rawValue: self = .shutdown
            case VIR_DOMAIN_EVENT_PMSUSPENDED.rawValue: self = .pmsuspended
            case VIR_DOMAIN_EVENT_CRASHED.rawValue: self = .crashed
            default: self = .unknown(raw)
            }
        }

        /// The state a domain is in after this event, where the event implies one.
        public var resultingState: DomainState? {
            switch self {
            case .started, .resumed: .running
            case .suspended: .paused
            case .stopped: .shutoff
            case .shutdown: .shutdown
            case .pmsuspended: .pmsuspended
            case .crashed: .crashed
            case .defined, .undefined, .unknown: nil
            }
        }
    }

    /// Why a domain stopped on its own, when this event says it did: a panic reported by the
    /// guest (CRASHED), QEMU failing, or a poweroff from inside (STOPPED with those details).
    /// Stops asked through the API (destroy, saved, migrated, reverted) are nil.
    public enum StopReason: Sendable, Equatable { case panicked, failed, poweredOff }

    public var stopReason: StopReason? {
        switch kind {
        case .crashed: .panicked
        case .stopped where detail == Int32(VIR_DOMAIN_EVENT_STOPPED_FAILED.rawValue): .failed
        case .stopped where detail == Int32(VIR_DOMAIN_EVENT_STOPPED_CRASHED.rawValue): .panicked
        case .stopped where detail == Int32(VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN.rawValue): .poweredOff
        default: nil
        }
    }

    public var domainName: String
    public var domainUUID: String
    public var kind: Kind
    /// The event's detail (a virDomainEvent*DetailType value, e.g. why a domain stopped).
    public var detail: Int32
}

extension LibvirtConnection {
    /// Every lifecycle event of every domain on this connection, from the moment this returns
    /// (the daemon knows about the subscription before it does). The subscription ends when
    /// the stream is dropped or its consuming task is cancelled, and when the connection closes
    /// or breaks.
    public func lifecycleEvents() async throws -> AsyncStream<DomainLifecycleEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: DomainLifecycleEvent.self)
        let id = try await blocking { try self.subscriptions.subscribe(continuation, on: self) }
        // May run on the event loop thread: only drops the stream from the fan-out.
        continuation.onTermination = { [subscriptions] _ in subscriptions.unsubscribe(id) }
        return stream
    }

    /// Waits until domain `name` is in state `wanted`, driven by lifecycle events.
    ///
    /// Subscribes first, then reads the current state, so an event that happens in between is
    /// not lost. A domain that disappears (a transient one that stopped) counts as `.shutoff`.
    public func waitForState(_ name: String, _ wanted: DomainState, timeout: Duration) async throws {
        try await waitForState(name, wanted, timeout: timeout, afterFirstCheck: nil)
    }

    /// `afterFirstCheck` runs once the current state was read and found wrong: tests use it
    /// to change the state at the one moment that proves the wait is event-driven.
    func waitForState(_ name: String, _ wanted: DomainState, timeout: Duration,
                      afterFirstCheck: (@Sendable () async throws -> Void)?) async throws {
        let object = "domain \(name) on \(uri)"
        let timedOut = TBError(.timeout, "domain did not reach state \(wanted.rawValue) within \(timeout)", object: object)
        try await withDeadline(timeout, timedOut) {
            let events = try await self.lifecycleEvents()
            guard let domain = try await self.domain(named: name) else {
                if wanted == .shutoff { return }
                throw TBError(.notFound, "no such domain", object: object)
            }
            if try await domain.reachedState(wanted) { return }
            try await afterFirstCheck?()
            for await event in events where event.domainName == name && event.kind.resultingState == wanted {
                // The event may predate the state read above (stopped, then restarted): confirm.
                if try await domain.reachedState(wanted) { return }
            }
            try Task.checkCancellation()
            throw TBError(.libvirt, "connection closed while waiting for state \(wanted.rawValue)", object: object)
        }
    }
}

extension Domain {
    /// True when the domain is in `wanted` (or gone, when `wanted` is `.shutoff`).
    fileprivate func reachedState(_ wanted: DomainState) async throws -> Bool {
        try await blocking {
            guard let state = try self.stateIfDefined() else { return wanted == .shutoff }
            return state == wanted
        }
    }
}

/// Runs `body`, throwing `timedOut` if it takes longer than `timeout`. A libvirt call already
/// under way is not interrupted (the group waits for it); waiting on events is.
func withDeadline<T: Sendable>(_ timeout: Duration, _ timedOut: TBError,
                               _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: timeout)
            throw timedOut
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}

/// The lifecycle event streams of one connection, fed by ONE libvirt callback that stays
/// registered until the connection closes.
///
/// One callback: libvirt refuses a second registration of the same C callback for the same
/// event on one connection ("event callback already tracked"), and one registration is also
/// one message per event from the daemon however many tasks listen. It fans out to every stream.
///
/// Kept until close: libvirt 9.0 (object_event.c) checks for the event timer before taking the
/// event state's lock. An event queued while the last callback is being deregistered lands in
/// the queue after the timer is gone; the timer made by the next registration is armed only
/// when an event finds the queue empty, which it never does again, so every later event of
/// the connection is lost. Seen here as a waitForState that never ended (about 1 unit-test run
/// in 13). A registration that is never dropped keeps the timer; an event nobody listens to
/// costs one fan-out to no stream.
final class EventSubscriptions: @unchecked Sendable {
    // @unchecked: `callbackID` and `nextID` are only touched with `registration` held.
    /// Held across (de)registration round trips; never taken on the event loop thread.
    private let registration = NSLock()
    private var callbackID: Int32?
    private var nextID = 0
    /// Taken briefly by the event loop thread to fan out.
    private let streams = Locked<[Int: AsyncStream<DomainLifecycleEvent>.Continuation]>([:])

    var count: Int { streams.current.count }
    var isRegistered: Bool { registration.withLock { callbackID != nil } }

    /// Adds a stream, registering the libvirt callback if this is the first. Call inside `blocking`.
    func subscribe(_ continuation: AsyncStream<DomainLifecycleEvent>.Continuation,
                   on connection: LibvirtConnection) throws -> Int {
        registration.lock()
        defer { registration.unlock() }
        if callbackID == nil {
            let opaque = Unmanaged.passUnretained(self).toOpaque()
            let callback = unsafeBitCast(lifecycleCallback, to: virConnectDomainEventGenericCallback.self)
            let id = virConnectDomainEventRegisterAny(try connection.handle, nil, Int32(VIR_DOMAIN_EVENT_ID_LIFECYCLE.rawValue),
                                                      callback, opaque, nil)
            guard id >= 0 else { throw lastError("cannot subscribe to domain events", object: connection.uri) }
            callbackID = id
        }
        nextID += 1
        streams.withLock { $0[nextID] = continuation }
        return nextID
    }

    /// Removes a stream; the libvirt callback stays (see above). Any thread.
    func unsubscribe(_ id: Int) {
        streams.withLock { _ = $0.removeValue(forKey: id) }
    }

    /// The connection broke (event loop thread): end every stream.
    func finishAll() {
        for continuation in streams.current.values { continuation.finish() }
    }

    /// The connection is closing: deregister, then end every stream.
    func cancelAll(on connection: OpaquePointer) {
        registration.lock()
        let all = streams.withLock { all in defer { all = [:] }; return all }
        if let callbackID { _ = virConnectDomainEventDeregisterAny(connection, callbackID) }
        callbackID = nil
        registration.unlock()
        for continuation in all.values { continuation.finish() }
    }

    /// Event loop thread.
    fileprivate func dispatch(_ event: DomainLifecycleEvent) {
        for continuation in streams.current.values { continuation.yield(event) }
    }
}

/// Runs on the event loop thread. Reads only what the domain object caches (no round trip).
/// `opaque` is the connection's EventSubscriptions, which outlives the registration.
private let lifecycleCallback: virConnectDomainEventCallback = { _, domain, event, detail, opaque in
    guard let domain, let opaque else { return 0 }
    let subscriptions = Unmanaged<EventSubscriptions>.fromOpaque(opaque).takeUnretainedValue()
    subscriptions.dispatch(DomainLifecycleEvent(
        domainName: String(cString: virDomainGetName(domain)),
        domainUUID: uuidString { virDomainGetUUIDString(domain, $0) },
        kind: .init(event), detail: detail))
    return 0
}
