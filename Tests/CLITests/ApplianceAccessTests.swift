import Foundation
import Project
import TestbedState
import Testing
import Workspace
@testable import tbctl

/// How `ssh-config` shows guests without a seed (issue 16): their login and the file their
/// image's host key is recorded in; no entry for a guest tbctl cannot log in to.
@Suite struct ApplianceAccessTests {
    @Test func appliancesInTheSSHConfig() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tbctl-cli-app-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Data(repeating: 0, count: 1 << 16).write(to: URL(fileURLWithPath: dir + "/demo.img"))
        try "key\n".write(toFile: dir + "/admin.key", atomically: true, encoding: .utf8)
        try "secret\n".write(toFile: dir + "/pw", atomically: true, encoding: .utf8)
        try """
            project: unitapp
            hosts:
              main: {accel: tcg}
            images:
              demo: demo.img
            guests:
              router: {image: demo, seed: none, login: {user: admin, key: admin.key}}
              switch: {image: demo, seed: none, login: {user: admin, password_file: pw}}
              box: {image: demo, seed: none}
              web: {image: demo}
            """.write(toFile: dir + "/testbed.yaml", atomically: true, encoding: .utf8)
        let state = try Project(composeFile: dir + "/testbed.yaml").generate()
        let w = Workspace(composeFile: dir + "/testbed.yaml")
        let doc = SSHConfigCommand.document(state, w)
        #expect(doc.guests.map(\.guest) == ["router", "switch", "web"])
        let router = try #require(doc.guests.first)
        #expect(router.user == "admin" && router.identityFile == dir + "/admin.key" && router.hostKey == nil)
        #expect(router.hostKeyAlias == "unitapp-router" && router.knownHostsFile == w.applianceKnownHosts)
        #expect(doc.guests[1].identityFile == nil && doc.guests[2].user == "root" && doc.guests[2].hostKey != nil)
        let text = SSHConfig.render(state, workspace: w)
        #expect(text.contains("Host router unitapp.router\n  HostName \(router.hostName)\n  User admin\n  IdentityFile \(dir)/admin.key\n"))
        #expect(text.contains("  PubkeyAuthentication no\n") && text.contains("  StrictHostKeyChecking accept-new\n"))
        #expect(text.contains("# box: no entry, tbctl cannot log in to it") && !text.contains("Host box"))
        // No seed volume, and the serial console log appended to across starts.
        let box = try #require(state.guest(named: "box"))
        #expect(box.seedVolume == nil && box.readiness == .none && !box.canLogIn)
        let xml = try String(contentsOfFile: w.artefacts(of: "box") + "/domain.xml", encoding: .utf8)
        #expect(!xml.contains("device='cdrom'") && xml.contains("append='on'"))
    }
}
