import Testing
import Core
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
        try await connection.waitForState(name, .shutoff, timeout: .seconds(10)) {
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
        try await connection.waitForState(uniqueName("none"), .shutoff, timeout: .seconds(1))
    }

    @Test func subscriptionsEndWithTheirStreams() async throws {
        let connection = try await openTestDriver()
        do {
            let events = try await connection.lifecycleEvents()
            #expect(connection.subscriptions.count == 1)
            _ = events
        }
        // Deregistration runs on a dispatch queue once the stream is dropped.
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(5)
        while connection.subscriptions.isRegistered && clock.now < deadline { await Task.yield() }
        #expect(connection.subscriptions.count == 0)
        #expect(!connection.subscriptions.isRegistered)
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
