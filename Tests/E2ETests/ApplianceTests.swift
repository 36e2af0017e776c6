import Core
import Foundation
import Libvirt
import Workspace
import TestbedState
import Testing

extension E2E {
/// Guests whose image has no cloud-init (issue 16), on real guests: the appliance variant of
/// the demo image (no NoCloud reader, a baked root key, DHCP on its first NIC) beside a
/// cloud-init guest, a full disk copy, a service of appliance clones, a login-less appliance
/// on a simulated remote host, and the serial console of both hosts' guests.
@Suite(.serialized) struct ApplianceTests {
    /// The appliance image and the key baked into it, built once and cached in images/out.
    static func applianceImage() async throws -> (image: String, key: String) {
        let out = Repo.root + "/images/out"
        let key = out + "/tbctl-appliance-key"
        if !FileManager.default.fileExists(atPath: key + ".pub") {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            let k = try Ed25519Key.generate()
            try writeFile(key, Data(k.privatePEM(comment: "tbctl-appliance").utf8), mode: 0o600)
            try writeFile(key + ".pub", Data((k.publicLine(comment: "tbctl-appliance") + "\n").utf8), mode: 0o644)
        }
        let build = try await Subprocess.run(["bash", Repo.root + "/images/build-demo-image.sh", "--appliance", key + ".pub"])
        guard build.succeeded else { throw TBError(.command, "building the appliance image failed", cause: build.stdout + build.stderr) }
        return (out + "/tbctl-appliance.qcow2", key)
    }

    @Test func appliancesBesideCloudGuests() async throws {
        let (image, key) = try await Self.applianceImage()
        try await FakeHosts.up(["h1"])
        let lab = try TestLab(fixture: "appliance")
        defer { lab.removeDir() }
        try lab.replace("APPLIANCE", with: image)
        try lab.replace("LOGINKEY", with: key)
        try lab.replace("KEY", with: FakeHosts.clientKey)
        try await lab.tbctl("down", "--purge")

        let up = try await lab.json(CLI.Apply.self, "up")
        #expect(up.status == 0, "\(up)")
        // No seed for the appliances: only the cloud-init guest has one.
        #expect(try up.doc().steps("uploadSeed").compactMap(\.action.guest) == ["cloud"], "\(up)")

        // tbctl logs in to the appliance with the compose file's login: its setup ran, exec works
        // beside the cloud-init guest, and OpenSSH with the generated config gets in too (the
        // host key tbctl recorded at first contact).
        let setup = try await lab.run("exec", "router", "--", "cat /root/setup.log")
        #expect(setup.status == 0 && setup.stdout.contains("as root with hostname router zone lan"), "\(setup)")
        let both = try await lab.execJSON("cloud", "router", "--", "cat /etc/os-release | grep -c tbctl")
        #expect(both.status == 0, "\(both)")
        try await lab.tbctl("ssh-config")
        let openssh = try await Subprocess.run(["ssh", "-F", lab.workspace.sshConfig, "-o", "BatchMode=yes", "router", "id -un"])
        #expect(openssh.stdout == "root\n", "\(openssh.stderr)")
        // The management address came from the management network's fixed DHCP entry.
        let ip = try await lab.run("exec", "router", "--", "ip -o -4 addr show eth0")
        #expect(ip.stdout.contains(try lab.guest("router").managementIP + "/"), "\(ip)")

        // A full copy has no backing file; a clone of the service is an overlay.
        let pool = try lab.state.host(named: "main")!.poolPath
        let full = try await Subprocess.run(["qemu-img", "info", "-U", "--output=json", pool + "/router.qcow2"])
        #expect(full.succeeded && !full.stdout.contains("backing-filename"), "\(full)")
        let linked = try await Subprocess.run(["qemu-img", "info", "-U", "--output=json", pool + "/fw-0.qcow2"])
        #expect(linked.stdout.contains("backing-filename"), "\(linked)")
        let remoteCopy = try await FakeHosts.exec("h1", ["qemu-img", "info", "-U", "--output=json", pool + "/box.qcow2"])
        #expect(remoteCopy.succeeded && !remoteCopy.stdout.contains("backing-filename"), "\(remoteCopy)")

        // Without a login: exec and ssh say which guest and why (exit 2); `run` refuses the
        // stage that selects it, at its place in the scenario, before anything runs.
        let refused = try await lab.run("exec", "box", "--", "true")
        #expect(refused.status == 2 && refused.stderr.contains("guest box has no login"), "\(refused)")
        let ssh = try await lab.run("ssh", "box")
        #expect(ssh.status == 2 && ssh.stderr.contains("guest box has no login"), "\(ssh)")
        let allowed = try await lab.run("run", lab.dir + "/ok.yaml")
        #expect(allowed.status == 0, "a stage on the appliance with its login and the cloud guest: \(allowed)")
        let run = try await lab.run("run", lab.dir + "/refused.yaml")
        #expect(run.status == 2 && run.stderr.contains("refused.yaml:3:") && run.stderr.contains("box"), "\(run)")

        // A testbed snapshot includes the appliances (the remote one too); restore brings back a file.
        _ = try await lab.run("exec", "router", "--", "echo before > /root/mark; sync")
        var r = try await lab.tbctl("snapshot", "create", "base")
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        _ = try await lab.run("exec", "router", "--", "rm /root/mark")
        r = try await lab.tbctl("snapshot", "restore", "base")
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(try await lab.run("exec", "router", "--", "cat /root/mark").stdout == "before\n")
        #expect(try await lab.tbctl("snapshot", "delete", "base").status == 0)

        // Scaled to 2 clones of the appliance, each waited for on its port and reachable.
        let scaled = try await lab.json(CLI.Apply.self, "scale", "fw=2")
        #expect(scaled.status == 0 && scaled.document?.services == ["fw": 2], "\(scaled)")
        let clones = try await lab.execJSON("--service", "fw", "--", "true")
        #expect(clones.status == 0 && clones.document?.guests.count == 2, "\(clones)")

        try await consoles(lab)

        // `down` leaves nothing of the project on either host.
        #expect(try await lab.tbctl("down", "--purge").status == 0)
        #expect(try await Leftovers.of(project: "e2eapp") == Leftovers())
        let h1 = try await LibvirtConnection.open(try lab.state.host(named: "h1")!.libvirtURI)
        #expect(try await h1.allDomains().filter { $0.name.hasPrefix("e2eapp-") }.isEmpty)
        await h1.close()
        try await FakeHosts.down()
    }

    /// `console --log` of a local and a remote guest shows their boot, kept across a restart;
    /// an interactive session in a terminal (tmux) gets a shell prompt and leaves with Ctrl-].
    func consoles(_ lab: TestLab) async throws {
        let marker = "tbctl: ssh up at"
        let local = try await lab.run("console", "router", "--log")
        #expect(local.status == 0 && local.stdout.contains(marker), "\(local.stderr)")
        var remote = CommandResult(status: 1, stdout: "", stderr: "")
        for _ in 0..<60 where !remote.stdout.contains(marker) {   // box answered on port 22; the line may follow
            remote = try await lab.run("console", "box", "--log")
            if !remote.stdout.contains(marker) { try await Task.sleep(for: .seconds(1)) }
        }
        #expect(remote.status == 0 && remote.stdout.contains(marker), "\(remote.stderr)")

        // Powered off and started again by `up`: the log has both boots.
        let lv = try await LibvirtConnection.open("qemu:///system")
        try await lv.domain(named: "e2eapp-router")?.destroy()
        await lv.close()
        #expect(try await lab.tbctl("up").status == 0)
        let again = try await lab.run("console", "router", "--log")
        #expect(again.stdout.components(separatedBy: marker).count - 1 == 2, "\(again.stdout.suffix(2000))")

        try await interactiveConsole(lab, "router")
        try await interactiveConsole(lab, "box")   // on h1: through that host's libvirt connection
    }

    /// `tbctl console GUEST` in a terminal (tmux): a root shell prompt answers, Ctrl-] leaves.
    func interactiveConsole(_ lab: TestLab, _ guest: String) async throws {
        let session = "e2eapp-console-\(guest)"
        _ = try await Subprocess.run(["tmux", "kill-session", "-t", session])
        // The tmux server outlives this call: it must not hold our pipes (Foundation's Process
        // passes more than 0-2 on Linux), or reading them would never end.
        let closeAll = "for fd in /proc/$$/fd/*; do n=${fd##*/}; [ \"$n\" -gt 2 ] && eval \"exec $n>&-\"; done 2>/dev/null; "
        let start = try await Subprocess.run(["bash", "-c", closeAll + "exec tmux new-session -d -s \"$0\" -x 150 -y 40 \"$1\" </dev/null >/dev/null 2>&1",
                                              session, Repo.tbctl + " console -f " + lab.compose + " " + guest])
        #expect(start.succeeded, "\(start)")
        func screen() async throws -> String { try await Subprocess.run(["tmux", "capture-pane", "-p", "-t", session]).stdout }
        func waitFor(_ text: String) async throws -> Bool {
            for _ in 0..<60 { if try await screen().contains(text) { return true }; try await Task.sleep(for: .milliseconds(500)) }
            return false
        }
        let connected = try await waitFor("Leave with Ctrl-]")
        let first = try await screen()
        #expect(connected, "\(guest): \(first)")
        _ = try await Subprocess.run(["tmux", "send-keys", "-t", session, "Enter"])
        _ = try await Subprocess.run(["tmux", "send-keys", "-t", session, "echo con$((6*7))sole", "Enter"])
        let answered = try await waitFor("con42sole")
        let text = try await screen()
        #expect(answered && text.contains("#"), "\(guest): a root shell prompt: \(text)")
        _ = try await Subprocess.run(["tmux", "send-keys", "-t", session, "C-]"])
        var gone = false
        for _ in 0..<20 where !gone {
            gone = try await !Subprocess.run(["tmux", "has-session", "-t", session]).succeeded
            if !gone { try await Task.sleep(for: .milliseconds(500)) }
        }
        #expect(gone, "\(guest): Ctrl-] ends the session")
        _ = try await Subprocess.run(["tmux", "kill-session", "-t", session])
    }
}
}
