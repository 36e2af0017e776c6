import Apply
import Core
import HostFakes
import Hosts
import TestbedState
import TestSupport
import Testing

/// `tbctl exec` through fake hosts: one outcome per guest, whatever the others did.
@Suite struct ExecTests {
    @Test func eachGuestGetsItsOwnOutcome() async throws {
        let t = try Testbed.webAndDB()
        defer { t.remove() }
        try await t.up()
        t.lab.edit { $0.hosts["main"]?.domains["lab-web-1"]?.state = .shutoff }
        t.lab.onExec { guest, command in
            guard command.hasSuffix("hostname; exit $X") else { return nil }
            return CommandResult(status: guest == "db" ? 3 : 0, stdout: guest + "\n", stderr: "")
        }
        let output = Locked([String: String]())
        let exec = GuestExec(state: t.state, workspace: t.workspace, connector: t.lab)
        let guests = t.state.userGuests.sorted { $0.name < $1.name }
        let outcomes = await exec.run("hostname; exit $X", on: guests) { guest, _, bytes in
            output.withLock { $0[guest.name, default: ""] += String(decoding: bytes, as: UTF8.self) }
        }
        #expect(outcomes.map(\.guest) == ["db", "web-0", "web-1"])
        #expect(outcomes[0].status == 3 && outcomes[1].status == 0 && outcomes[2].status == nil)
        #expect(outcomes[2].summary.contains("guest web-1 on host main is not running"))
        #expect(output.current == ["db": "db\n", "web-0": "web-0\n"])
        // The guest's env comes first, as in its profile.
        #expect(t.domain("db")?.execs.last == "export ROLE=db; hostname; exit $X")
    }
}
