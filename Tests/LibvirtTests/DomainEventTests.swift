import Testing
import Core
import Foundation
@testable import Libvirt

@Suite("Domain lifecycle events (test driver)")
struct DomainEventTests {
    @Test func streamsEveryTransition() async throws {
        let connection = try await openTestDriver()
        let name = uniqueName("ev")
        let events = try await connection.lifecycleEvents()
        let domain = try await connection.defineDomain(xml: testDomainXML(name))
        try await domain.start()
        try await domain.suspend()
        try await domain.resume()
        try await domain.destroy()
        try await domain.undefine()
        let kinds = await collect(events, for: name, count: 6)
        #expect(kinds == [.defined, .started, .suspended, .resumed, .stopped, .undefined])
    }

    @Test func waitsForAStateReachedLater() async throws {
        let connection = try await openTestDriver()
        let name = uniqueName("wait")
        let domain = try await connection.defineDomain(xml: testDomainXML(name))
        try await domain.start()
        try await connection.waitForState(name, .running, timeout: .seconds(5)) // already there

        // The domain stops only after the wait found it running: only an event can end the wait.
        // The deadline only keeps a lost event from hanging the run; it is not a time limit.
        try await connection.waitForState(name, .shutoff, timeout: .seconds(60)) {
            try await domain.destroy()
        }
        #expect(try await domain.state() == .shutoff)
        try await domain.undefine()
    }

    @Test func timesOut() async throws {
        let connection = try await openTestDriver()
        let name = uniqueName("timeout")
        let domain = try await connection.defineDomain(xml: testDomainXML(name))
        let clock = ContinuousClock()
        let start = clock.now
        let error = await #expect(throws: TBError.self) {
            try await connection.waitForState(name, .running, timeout: .milliseconds(200))
        }
        #expect(error?.code == .timeout)
        // Generous: under load a Dispatch worker for the calls before the wait can take seconds.
        #expect(clock.now - start < .seconds(10))
        try await domain.undefine()
    }

    @Test func missingDomain() async throws {
        let connection = try await openTestDriver()
        let error = await #expect(throws: TBError.self) {
            try await connection.waitForState(uniqueName("none"), .running, timeout: .seconds(30))
        }
        #expect(error?.code == .notFound)
        // A domain that does not exist is as shut off as it gets.
        try await connection.waitForState(uniqueName("none"), .shutoff, timeout: .seconds(10))   // returns at once; the bound is for a loaded machine
    }

    /// A dropped stream leaves the fan-out at once; libvirt's callback stays registered until
    /// the connection closes (a deregistration can strand later events in libvirt 9.0).
    @Test func subscriptionsEndWithTheirStreamsAndTheCallbackWithTheConnection() async throws {
        let connection = try await openTestDriver()
        do {
            let events = try await connection.lifecycleEvents()
            #expect(connection.subscriptions.count == 1)
            _ = events
        }
        #expect(connection.subscriptions.count == 0)
        #expect(connection.subscriptions.isRegistered)
        await connection.close()
        #expect(!connection.subscriptions.isRegistered)
    }

    /// Streams come and go while another task makes events nonstop: every new stream gets
    /// events. With libvirt's callback dropped after each stream, an event queued during the
    /// deregistration stranded every later one (EventSubscriptions); this run found that in
    /// a few hundred rounds. A driver state of its own (test:///FILE is private to its
    /// connection), so no other test's subscription keeps the timer alive.
    @Test func eventsKeepComingWhileStreamsComeAndGo() async throws {
        let dir = NSTemporaryDirectory() + uniqueName("events")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "<node>\(testDomainXML("flip"))</node>".write(toFile: dir + "/node.xml", atomically: false, encoding: .utf8)
        let connection = try await LibvirtConnection.open("test://" + dir + "/node.xml")
        let domain = try #require(try await connection.domain(named: "flip"))
        if try await domain.state() != .running { try await domain.start() }
        let flipper = Task {
            while !Task.isCancelled { try await domain.suspend(); try await domain.resume() }
        }
        defer { flipper.cancel() }
        for _ in 0..<300 {
            let events = try await connection.lifecycleEvents()
            let stranded = TBError(.timeout, "no event after a new subscription", object: connection.uri)
            let got = try await withDeadline(.seconds(30), stranded) {
                for await event in events where event.domainName == "flip" { return true }
                return false
            }
            #expect(got)
        }
    }

    /// libvirt allows one registration of a callback per connection; every stream still gets
    /// every event.
    @Test func severalStreamsOnOneConnection() async throws {
        let connection = try await openTestDriver()
        let name = uniqueName("fan")
        let first = try await connection.lifecycleEvents()
        let second = try await connection.lifecycleEvents()
        #expect(connection.subscriptions.count == 2)
        let domain = try await connection.defineDomain(xml: testDomainXML(name))
        try await domain.undefine()
        #expect(await collect(first, for: name, count: 2) == [.defined, .undefined])
        #expect(await collect(second, for: name, count: 2) == [.defined, .undefined])
    }

    @Test func closeEndsStreams() async throws {
        let connection = try await openTestDriver()
        let events = try await connection.lifecycleEvents()
        await connection.close()
        for await _ in events {}
        #expect(connection.subscriptions.count == 0)
    }
}
