import Core
import Foundation
import Libvirt
import Testing

extension E2E {
/// Bad input and failed steps: a clear error, a non-zero exit, and nothing half-made that the
/// next `up` or `down` cannot handle.
@Suite(.serialized) struct BadInputTests {
    @Test func missingBaseImageIsALocatedError() async throws {
        let lab = try TestLab(fixture: "badsetup")
        defer { lab.removeDir() }
        let text = try String(contentsOfFile: lab.compose, encoding: .utf8)
            .replacingOccurrences(of: Repo.demoImage, with: "/nonexistent/demo.qcow2")
        try text.write(toFile: lab.compose, atomically: true, encoding: .utf8)
        let r = try await lab.tbctl("up")
        #expect(r.status == 2)
        #expect(r.stderr.contains("testbed.yaml:6:"), "\(r.stderr)")
        #expect(r.stderr.contains("/nonexistent/demo.qcow2"), "\(r.stderr)")
        #expect(try await Leftovers.of(project: "e2ebad") == Leftovers())
    }

    @Test func wrongChecksumIsRefusedBeforeAnythingIsMade() async throws {
        let lab = try TestLab(fixture: "badsetup")
        defer { lab.removeDir() }
        let wrong = String(repeating: "ab", count: 32)
        let text = try String(contentsOfFile: lab.compose, encoding: .utf8)
            .replacingOccurrences(of: "  demo: \(Repo.demoImage)", with: "  demo: {source: \(Repo.demoImage), sha256: \(wrong)}")
        try text.write(toFile: lab.compose, atomically: true, encoding: .utf8)
        let r = try await lab.tbctl("up")
        #expect(r.status == 2)
        #expect(r.stderr.contains("not the declared \(wrong)"), "\(r.stderr)")
        #expect(r.stderr.contains("images.demo.sha256"), "\(r.stderr)")
        // As data: one problem, located at the key.
        let j = try await lab.json(CLI.Apply.self, "up")
        #expect(j.status == 2 && j.document == nil && j.error?.code == "invalidInput", "\(j)")
        #expect(j.error?.problems?.count == 1 && j.error?.problems?.first?.object?.contains("testbed.yaml:") == true, "\(j)")
        #expect(try await Leftovers.of(project: "e2ebad") == Leftovers())
    }

    @Test func unreachableLibvirtNamesTheHost() async throws {
        let lab = try TestLab(fixture: "badsetup")
        defer { lab.removeDir() }
        let text = try String(contentsOfFile: lab.compose, encoding: .utf8)
            .replacingOccurrences(of: "main: {accel: tcg, datapath: netdev}",
                                  with: "main: {uri: \"qemu+unix:///system?socket=/nonexistent/libvirt-sock\", accel: tcg, datapath: netdev}")
        try text.write(toFile: lab.compose, atomically: true, encoding: .utf8)
        let r = try await lab.tbctl("up")
        #expect(r.status == 3)
        #expect(r.stderr.contains("host main") && r.stderr.contains("/nonexistent/libvirt-sock"), "\(r.stderr)")
        let j = try await lab.json(CLI.Apply.self, "up")
        #expect(j.status == 3 && j.document?.ok == false && j.document?.unreachableHosts.map(\.host) == ["main"], "\(j)")
        #expect(j.error?.exitStatus == 3 && j.error?.problems?.first?.underlying?.code == "libvirt", "\(j)")
        #expect(try await Leftovers.of(project: "e2ebad") == Leftovers())
    }

    /// A setup script that exits 3: `up` fails naming the guest, host and status; the guest is
    /// left running (so it can be inspected), the next `up` tries the script again, and `down`
    /// removes everything.
    @Test func failingSetupScriptIsReportedAndCleanable() async throws {
        let lab = try TestLab(fixture: "badsetup")
        defer { lab.removeDir() }
        try await lab.tbctl("down", "--purge")
        let r = try await lab.tbctl("up")
        #expect(r.status == 1)
        #expect(r.stderr.contains("guest broken on host main"), "\(r.stderr)")
        #expect(r.stderr.contains("exited with status 3"), "\(r.stderr)")
        #expect(r.stderr.contains("about to fail"), "\(r.stderr)")
        #expect(r.stdout.contains("broken | about to fail"), "\(r.stdout)")
        let again = try await lab.json(CLI.Plan.self, "plan").doc()
        #expect(again.actions.map { "\($0.kind) \($0.guest ?? "")" } == ["runSetup broken"], "\(again.actions)")
        #expect(try await lab.tbctl("down", "--purge").status == 0)
        #expect(try await Leftovers.of(project: "e2ebad") == Leftovers())
    }

    /// A golden setup that exits 4: `up` fails naming the golden builder and the status; the
    /// guest that needs no golden image still comes up, no builder is left running, and the
    /// next `up` builds the image again instead of trusting the half-made one.
    @Test func failingGoldenSetupStopsOnlyItsService() async throws {
        let lab = try TestLab(fixture: "badgolden")
        defer { lab.removeDir() }
        try await lab.tbctl("down", "--purge")
        let r = try await lab.tbctl("up")
        #expect(r.status == 1)
        #expect(r.stderr.contains("web-golden") && r.stderr.contains("exited with status 4"), "\(r.stderr)")
        #expect(r.stderr.contains("golden setup gives up"), "\(r.stderr)")
        #expect(try await lab.ssh("plain", "hostname").stdout == "plain\n")
        #expect(try await Leftovers.of(project: "e2egold").domains == ["e2egold-plain"])
        let again = try await lab.json(CLI.Plan.self, "plan").doc()
        #expect(again.actions.contains { $0.kind == "buildGolden" && $0.service == "web" }, "\(again.actions)")
        #expect(again.actions.contains { $0.kind == "startDomain" && $0.guest == "web-0" }, "\(again.actions)")
        #expect(!again.actions.contains { $0.guest == "plain" }, "\(again.actions)")
        #expect(try await lab.tbctl("down", "--purge").status == 0)
        #expect(try await Leftovers.of(project: "e2egold") == Leftovers())
    }

    /// A VM of the user's that happens to have a guest's domain name: `up` refuses to touch
    /// it (the guest fails, naming the domain and host), and neither `up` nor `down` changes it.
    @Test func aForeignDomainWithAGuestsNameIsLeftAlone() async throws {
        let lab = try TestLab(fixture: "badsetup")
        defer { lab.removeDir() }
        try await lab.tbctl("down", "--purge")
        let lv = try await LibvirtConnection.open("qemu:///system")
        let xml = "<domain type='qemu'><name>e2ebad-broken</name><memory unit='MiB'>32</memory>"
            + "<os><type arch='x86_64'>hvm</type></os><description>made by hand</description></domain>"
        let foreign = try await lv.defineDomain(xml: xml)
        let r = try await lab.tbctl("up")
        #expect(r.status == 1)
        #expect(r.stderr.contains("domain e2ebad-broken on host main exists but is not part of project e2ebad"), "\(r.stderr)")
        #expect(try await lab.tbctl("down", "--purge").status == 0)
        let kept = try #require(try await lv.domain(named: "e2ebad-broken"))
        let keptXML = try await kept.xml()
        #expect(kept.uuid == foreign.uuid && keptXML.contains("made by hand"))
        try await kept.undefine()
        await lv.close()
        #expect(try await Leftovers.of(project: "e2ebad") == Leftovers())
    }

    /// Two `up`s of one project: the second refuses at once, saying who holds the project.
    @Test func secondUpIsRefusedWhileOneRuns() async throws {
        let lab = try TestLab(fixture: "badsetup")
        defer { lab.removeDir() }
        let lock = lab.workspace.path("lock")
        try lab.workspace.ensureRoot()
        let holder = open(lock, O_RDWR | O_CREAT, 0o644)
        defer { close(holder) }
        #expect(flock(holder, LOCK_EX | LOCK_NB) == 0)
        _ = "tbctl up (pid 4242)\n".withCString { write(holder, $0, strlen($0)) }
        let r = try await lab.tbctl("up")
        #expect(r.status == 4)
        #expect(r.stderr.contains("this project is busy: tbctl up (pid 4242)"), "\(r.stderr)")
        // Nor is the compose file compiled behind the running `up`'s back: it reads state.json
        // and the artefacts as it goes. `plan` and `show` read a state that is current freely.
        for command in ["generate-artefacts", "plan", "show"] {
            let refused = try await lab.tbctl(command)
            #expect(refused.status == 4 && refused.stderr.contains("this project is busy"), "\(command): \(refused.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: lab.workspace.stateFile))
        flock(holder, LOCK_UN)
        #expect(try await lab.tbctl("generate-artefacts").status == 0)
        flock(holder, LOCK_EX | LOCK_NB)
        #expect(try await lab.tbctl("show").status == 0)
    }
}
}
