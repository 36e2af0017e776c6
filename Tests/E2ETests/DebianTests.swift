import Core
import Foundation
import TestbedState
import Testing

extension E2E {
/// A real distribution as guests: the Debian 12 cloud image that images/build-debian-image.sh
/// builds from Debian's packages (cloud-init 22.4, systemd, OpenSSH; cached between runs). The
/// lab `debian` (project e2edeb) has `plain` and the clones `svc-0`, `svc-1` of a golden image.
/// Checked as a user would, over SSH with the host key tbctl pinned for each guest.
@Suite(.serialized) struct DebianTests {
    static let project = "e2edeb"
    static let guests = ["plain", "svc-0", "svc-1"]

    @Test func plainGuestAndGoldenClonesSnapshotAndDown() async throws {
        let image = try await Self.debianImage()
        let lab = try TestLab(fixture: "debian")
        defer { lab.removeDir() }
        try lab.replace("DEBIANQCOW", with: image)
        try await lab.tbctl("down", "--purge")

        let clock = ContinuousClock(), began = clock.now
        let up = try await lab.run("up", "-v")
        print("e2edeb: up (plain + golden build + 2 clones) took \(clock.now - began)")
        #expect(up.status == 0, "\(up.stdout)\(up.stderr)")
        try #require(up.status == 0)
        // The golden builder was sealed and stopped from inside, not by ACPI or force.
        #expect(up.stdout.contains("svc-golden: sealed for cloning"), "\(up.stdout)")
        #expect(up.stdout.contains("svc-golden: powered off from inside"), "\(up.stdout)")

        // Every guest: its own hostname, the host key tbctl generated for it (lab.ssh accepts
        // no other), its own machine-id; the clones have the golden marker, the plain one not.
        var machineIDs: Set<String> = []
        for g in Self.guests {
            let r = try await lab.ssh(g, "hostname; cat /etc/machine-id; cat /etc/ssh/ssh_host_ed25519_key.pub; echo; "
                                         + "cat /etc/tbctl-golden-marker 2>/dev/null || echo no-marker; cloud-init status --wait | tail -n1")
            let lines = r.stdout.split(separator: "\n").map(String.init)
            #expect(r.status == 0 && lines.count >= 5, "\(g): \(r)")
            guard lines.count >= 5 else { continue }
            #expect(lines[0] == g)
            #expect(lines[1].count == 32, "\(g) machine-id \(lines[1])")
            machineIDs.insert(lines[1])
            let pinned = try lab.guest(g).hostKey.split(separator: " ")[1]
            #expect(lines[2].split(separator: " ").dropFirst().first == pinned, "\(g) host key \(lines[2])")
            #expect(lines[3].hasPrefix(g == "plain" ? "no-marker" : "golden tbctl-debian12"), "\(g): \(lines[3])")
            #expect(lines[4] == "status: done", "\(g): \(lines[4])")
        }
        #expect(machineIDs.count == Self.guests.count, "machine-ids \(machineIDs)")
        // env: in tbctl exec's commands and in login shells (/etc/profile.d, Debian's /etc/profile)
        let env = try await lab.run("exec", "plain", "--", "echo $ROLE; env -i sh -c '. /etc/profile; echo $ROLE'")
        #expect(env.status == 0 && env.stdout == "plain\nplain\n", "\(env)")

        // The network-config's default route (cloud-init's ENI adds it with `route`), and DNS:
        // the guest asks the management network's dnsmasq (not the resolver of the machine
        // that built the image) and resolves what its host resolves.
        let gateway = try #require(lab.state.host(named: "main")?.management.gateway)
        let route = try await lab.run("exec", "plain", "--", "ip -4 route show default")
        #expect(route.stdout.hasPrefix("default via \(gateway) "), "\(route)")
        let dns = try await lab.run("exec", "plain", "--", "cat /etc/resolv.conf; getent hosts deb.debian.org || echo unresolved")
        #expect(dns.stdout.hasPrefix("nameserver \(gateway)\n"), "\(dns)")
        if try await Subprocess.run(["getent", "hosts", "deb.debian.org"]).succeeded {
            #expect(!dns.stdout.contains("unresolved"), "the host resolves deb.debian.org, the guest does not: \(dns)")
        }

        // A testbed snapshot and restore: a file written after the snapshot is gone.
        let snap = try await lab.tbctl("snapshot", "create", "base")
        #expect(snap.status == 0, "\(snap.stdout)\(snap.stderr)")
        for g in Self.guests { #expect(try await lab.ssh(g, "echo after > /root/after && sync").status == 0) }
        let restore = try await lab.tbctl("snapshot", "restore", "base")
        #expect(restore.status == 0, "\(restore.stdout)\(restore.stderr)")
        for g in Self.guests {
            let r = try await lab.ssh(g, "ls /root/after 2>/dev/null || echo gone; hostname")
            #expect(r.stdout == "gone\n\(g)\n", "\(g): \(r)")
        }

        // down leaves nothing of the project on the machine.
        let down = try await lab.tbctl("down", "--purge")
        #expect(down.status == 0, "\(down.stdout)\(down.stderr)")
        #expect(try await Leftovers.of(project: Self.project) == Leftovers())
    }

    /// The image from images/build-debian-image.sh: nothing to do when it is up to date; the
    /// first build downloads Debian's packages and takes several minutes.
    static func debianImage() async throws -> String {
        let build = try await Subprocess.run(["/bin/bash", Repo.root + "/images/build-debian-image.sh"])
        guard build.status == 0 else {
            throw TBError(.failed, "images/build-debian-image.sh failed", cause: build.stderr + build.stdout)
        }
        return Repo.root + "/images/out/tbctl-debian12.qcow2"
    }
}
}
