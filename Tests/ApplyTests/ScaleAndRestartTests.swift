import Apply
import Core
import HostFakes
import Hosts
import TestbedState
import TestSupport
import Testing

@Suite struct ScaleAndRestartTests {
    /// `scale web=1`: the highest clones go with their disks and seeds and DHCP entries; no
    /// other guest is stopped, redefined or restarted. Scaling up again adds a fresh clone.
    @Test func scaleDownRemovesTheHighestClonesAndNothingElse() async throws {
        var t = try Testbed { lab, dir in lab.guests = [Lab.guest("web", in: dir, replicas: 3), Lab.guest("db", in: dir, setup: true)] }
        defer { t.remove() }
        try await t.up()
        try t.recompile(overrides: ["web": 1])
        let before = t.lab.calls.count
        try await t.up()
        let main = t.lab.host("main")
        #expect(Set(main.domains.keys) == ["lab-web-0", "lab-db"])
        #expect(!main.files.keys.contains { $0.contains("/web-1") || $0.contains("/web-2") })
        #expect(main.networks["lab-mgmt"]?.dhcp.map(\.name).sorted() == ["db", "web-0"])
        let touched = t.lab.calls.dropFirst(before).filter {
            ["lab-web-0", "lab-db"].contains($0.object)
                && ["domain.define", "domain.startPaused", "domain.destroy", "domain.shutdown", "domain.undefine"].contains($0.op)
        }
        #expect(touched.isEmpty, "\(touched)")
        #expect(t.record.setup["db"] != nil)

        try t.recompile(overrides: ["web": 2])
        try await t.up()
        #expect(t.domain("web-1")?.state == .running)
    }

    /// A running guest whose definition changed is redefined but keeps running on the old one,
    /// and `up` says so; with --restart-changed it is shut down (powered off when it ignores
    /// both `poweroff` over SSH and ACPI) and started on the new one. Its disk stays.
    @Test func aChangedDefinitionAppliesAtRestart() async throws {
        var t = try Testbed { lab, dir in lab.guests = [Lab.guest("db", in: dir, setup: true)] }
        defer { t.remove() }
        try await t.up()
        try t.recompile { $0.guests[0].memoryMiB = 256 }
        try await t.up()
        let config = { t.domain("db")?.config[DomainMetadata.configNamespace] }
        let live = { t.domain("db")?.live[DomainMetadata.configNamespace] }
        #expect(t.domain("db")?.state == .running && config() != live())
        #expect(t.output.current.contains { $0.contains("note: db on main keeps running on its previous definition") })

        t.lab.ignoreACPI(host: "main", domain: "lab-db")
        t.lab.ignorePoweroff(host: "main", domain: "lab-db")
        var p = t.provisioner()
        p.restartChanged = true
        let before = t.lab.calls.count
        try await p.upLocked()
        let ops = t.lab.calls.dropFirst(before).filter { $0.object == "lab-db" }.map(\.op)
        #expect(ops.contains("domain.shutdown") && ops.contains("domain.destroy") && ops.contains("domain.startPaused"))
        #expect(!t.lab.calls.dropFirst(before).contains { $0.op == "pool.createOverlay" })
        #expect(t.domain("db")?.state == .running && config() == live())
        #expect(t.output.current.contains { $0.contains("did not power off within") })
        #expect(t.output.current.contains { $0.contains("ignored its ACPI power button") && $0.contains("powering it off") })
    }

    /// --restart-changed stops a guest that answers over SSH from inside (`sync; poweroff`),
    /// without the ACPI button or a forced power-off, even when it would ignore ACPI.
    @Test func restartChangedPowersAReachableGuestOffFromInside() async throws {
        var t = try Testbed { lab, dir in lab.guests = [Lab.guest("db", in: dir, setup: true)] }
        defer { t.remove() }
        try await t.up()
        try t.recompile { $0.guests[0].memoryMiB = 256 }
        t.lab.ignoreACPI(host: "main", domain: "lab-db")
        let commands = Locked<[String]>([])
        t.lab.onExec { _, command in commands.withLock { $0.append(command) }; return nil }
        var p = t.provisioner()
        p.restartChanged = true
        let before = t.lab.calls.count
        try await p.upLocked()
        let ops = t.lab.calls.dropFirst(before).filter { $0.object == "lab-db" }.map(\.op)
        #expect(!ops.contains("domain.shutdown") && !ops.contains("domain.destroy") && ops.contains("domain.startPaused"))
        #expect(commands.withLock { $0 }.contains { $0.contains("sync; (sleep 0.3; poweroff") })
        #expect(t.domain("db")?.state == .running)
    }
}
