@testable import Apply
import Plan
import TestbedState
import TestSupport
import Testing

/// What a failed action takes down with it in `up` (StageRunner skips the rest of it).
@Suite struct FailureScopeTests {
    /// solo on main; web's golden image built on one host, clones on both.
    static let state: TestbedState = {
        var lab = Lab()
        lab.hosts.append(Lab.remote("h1", "10.77.0.11"))
        lab.guests = [Lab.guest("solo", host: "main"), Lab.guest("web", replicas: 4, golden: true)]
        return try! lab.compile()
    }()

    var golden: Service.Golden { Self.state.service(named: "web")!.golden! }
    var otherHost: String { golden.host == "main" ? "h1" : "main" }

    @Test func aFailedGoldenBuildSkipsItsClonesAndCopiesOnly() throws {
        let s = Self.state
        #expect(Set(s.service(named: "web")!.clones.compactMap { s.guest(named: $0)?.host }) == ["main", "h1"])
        var scope = FailureScope(failedHosts: [])
        scope.record(.buildGolden(service: "web", host: golden.host), in: s)
        #expect(scope.skips(.copyGolden(service: "web", from: golden.host, to: otherHost)))
        for clone in s.service(named: "web")!.clones {
            #expect(scope.skips(.createDisk(guest: clone, host: s.guest(named: clone)!.host)))
        }
        // The host itself goes on: solo is defined and started as if nothing happened.
        #expect(!scope.skips(.defineDomain(guest: "solo", host: "main")))
        #expect(!scope.skips(.configureBridges(host: golden.host, changes: [])))
    }

    @Test func aFailedCopySkipsOnlyTheClonesOnItsHost() throws {
        let s = Self.state
        var scope = FailureScope(failedHosts: [])
        scope.record(.copyGolden(service: "web", from: golden.host, to: otherHost), in: s)
        for clone in s.service(named: "web")!.clones {
            let host = s.guest(named: clone)!.host
            #expect(scope.skips(.startDomain(guest: clone, host: host)) == (host == otherHost), "\(clone) on \(host)")
        }
        #expect(!scope.skips(.startDomain(guest: "solo", host: "main")))
    }

    @Test func hostWideAndGuestFailures() throws {
        var scope = FailureScope(failedHosts: ["h1"])
        #expect(scope.skips(.createPool(host: "h1")))
        // A copy from an unreachable host cannot run either.
        #expect(scope.skips(.copyGolden(service: "web", from: "h1", to: "main")))
        scope.record(.uploadSeed(guest: "solo", host: "main"), in: Self.state)
        #expect(scope.skips(.startDomain(guest: "solo", host: "main")))
        #expect(!scope.skips(.createPool(host: "main")))
        scope.record(.createPool(host: "main"), in: Self.state)
        #expect(scope.skips(.importImage(image: "demo", host: "main")))
    }
}
