import Apply
import Core
import HostFakes
import Hosts
import TestbedState
import TestSupport
import Testing

/// `up --format json`'s report and exit status, from runs against the in-memory hosts.
@Suite struct ReportThroughFakesTests {
    static func twoHosts() throws -> Testbed {
        try Testbed { lab, dir in
            lab.hosts[0].tunnelIP = IPv4("10.77.0.1")
            lab.hosts += [Lab.remote("h1", "10.77.0.11")]
            lab.guests = [Lab.guest("db", in: dir, host: "h1", networks: ["lan"]),
                          Lab.guest("web", in: dir, replicas: 2, host: "main", networks: ["lan"])]
        }
    }

    /// A host that cannot be connected to is `unreachable` (exit 3) with the transport's error
    /// underneath; its actions are skipped, the other host's are done.
    @Test func anUnreachableHostExitsThreeAndItsActionsAreSkipped() async throws {
        let t = try Self.twoHosts()
        defer { t.remove() }
        t.lab.inject(Fault(host: "h1", op: "host.connect", .fail(TBError(.ssh, "connection refused", object: "ops@10.77.0.11:22"))))
        var p = t.provisioner()
        let report = ApplyReport()
        p.report = report
        let error = try await #require(throws: TBError.self) { try await p.upLocked() }
        #expect(error.code == .failed && error.exitStatus == .unreachable)
        let h1 = try #require(error.problems.first)
        #expect(error.problems.count == 1 && h1.code == .unreachable && h1.object?.hasPrefix("host h1") == true, "\(error)")
        #expect(h1.underlyingTBError?.code == .ssh && h1.underlyingTBError?.message == "connection refused")

        #expect(report.hosts.map(\.host) == ["h1"] && report.hosts[0].result == "unreachable")
        let steps = report.stages.flatMap(\.actions)
        #expect(steps.filter { $0.action.host == "h1" }.allSatisfy { $0.result == .skipped } || !steps.contains { $0.action.host == "h1" })
        #expect(steps.filter { $0.action.host == "main" }.allSatisfy { $0.result == .ok } && steps.contains { $0.action.host == "main" })
        #expect(Set(steps.compactMap { $0.result == .ok ? $0.action.guest : nil }) == ["web-0", "web-1"])
    }

    /// One failed action: `failed` in the report with its error, the guest's later actions
    /// `skipped`, exit status 1.
    @Test func aFailedActionIsFailedAndWhatDependsOnItSkipped() async throws {
        let t = try Self.twoHosts()
        defer { t.remove() }
        t.lab.inject(.failing("domain.startPaused", object: "lab-web-1", "qemu unexpectedly closed the monitor"))
        var p = t.provisioner()
        let report = ApplyReport()
        p.report = report
        let error = try await #require(throws: TBError.self) { try await p.upLocked() }
        #expect(error.exitStatus == .failed && error.problems.count == 1)
        let web1 = report.stages.flatMap(\.actions).filter { $0.action.guest == "web-1" }
        let start = try #require(web1.first { $0.action.kind == "startDomain" })
        #expect(start.result == .failed && start.error?.description.contains("qemu unexpectedly closed the monitor") == true)
        #expect(web1.filter { $0.action.kind == "waitReady" }.allSatisfy { $0.result == .skipped })
        #expect(report.stages.flatMap(\.actions).filter { $0.action.guest == "db" }.allSatisfy { $0.result == .ok })
    }
}
