import Core
import Foundation
import Hosts
import TestbedState

/// Shutting a guest down so that its disk is clean. An ACPI power button alone is not enough:
/// minimal and cloud images often ignore it (a Debian 12 guest still `starting` ignored it for
/// over two minutes), so tbctl first asks the guest itself over SSH (`sync; poweroff`), then
/// presses the button, and only then pulls the plug, each step saying what happened.
/// The wait is libvirt's lifecycle event, never a poll.
enum GuestShutdown {
    /// How long a guest told to power off from inside may take: a Debian guest under TCG on a
    /// busy machine stops in 5-20 s, the demo image in under 2 s.
    static let insideGrace: Duration = .seconds(60)
    /// How long a guest that could not be reached over SSH gets after the power button.
    static let acpiGrace: Duration = .seconds(30)

    /// Flushes the guest's disks and powers it off from inside, in the background, so that the
    /// command returns before the SSH server goes away. Root through `sudo -n` for another user.
    static func powerOffCommand(user: String) -> String {
        let script = "sync; (sleep 0.3; poweroff || busybox poweroff || poweroff -f) </dev/null >/dev/null 2>&1 &"
        return (user == "root" ? "sh -c " : "sudo -n sh -c ") + shellQuote(script)
    }

    /// Prepares a golden image for cloning (what virt-sysprep or `cloud-init clean` are for):
    /// cloud-init's instance state and logs go, so every clone runs it as a new instance with its
    /// own seed (hostname, addresses, the host keys tbctl generated); an empty /etc/machine-id,
    /// which systemd fills with a new one at each clone's first boot; no SSH host keys (the
    /// clone's cloud-init writes its own); no logs; the setup script's copy; then a sync.
    /// Works on real cloud-init (22.3+ cleans the machine-id itself) and on the demo image.
    static let sealScript = """
        set +e
        cloud-init clean --logs --machine-id >/dev/null 2>&1 || cloud-init clean --logs >/dev/null 2>&1
        # empty, not missing: systemd fills an empty file at boot (a missing one stays missing)
        { [ -e /etc/machine-id ] || [ -d /run/systemd/system ]; } && : > /etc/machine-id
        rm -f /var/lib/dbus/machine-id /etc/ssh/ssh_host_*_key /etc/ssh/ssh_host_*_key.pub /etc/dropbear/dropbear_*_host_key
        rm -rf /var/log/journal/* /tmp/tbctl-setup-*.sh
        find /var/log -type f 2>/dev/null | while read -r f; do : > "$f"; done
        sync
        echo sealed
        """

    static func sealCommand(user: String) -> String {
        (user == "root" ? "sh -c " : "sudo -n sh -c ") + shellQuote(sealScript)
    }
}

extension Executor {
    /// Stops a running guest cleanly: `poweroff` over `session` (or one opened now, when the
    /// guest answers within a few seconds), the ACPI button when it cannot be reached or does
    /// not stop, a forced power-off last. Returns how it stopped, for the caller's message.
    @discardableResult
    func shutDown(_ guest: Guest, on host: any HostConnection, session given: (any GuestSession)? = nil) async throws -> String {
        guard let dom = try await host.libvirt.domain(named: guest.domain), try await dom.isActive() else { return "not running" }
        let user = context.state.user
        var session = given
        if session == nil {
            session = try? await host.guestSession(guest, user: user, keyFile: context.workspace.keyFile, timeout: .seconds(5))
        }
        if let session {
            let asked = (try? await session.exec(GuestShutdown.powerOffCommand(user: user)))?.succeeded ?? false
            if given == nil { await session.close() }
            if asked {
                if try await stopped(guest, on: host, within: GuestShutdown.insideGrace) { return "powered off from inside (sync; poweroff over SSH)" }
                progress.line("\(guest.name) on \(host.name) did not power off within \(GuestShutdown.insideGrace) of `poweroff` over SSH: pressing its ACPI power button")
            } else {
                progress.line("\(guest.name) on \(host.name) refused `poweroff` over SSH: pressing its ACPI power button")
            }
        } else {
            progress.line("\(guest.name) on \(host.name) does not answer over SSH: pressing its ACPI power button")
        }
        if try await dom.isActive() { try? await dom.shutdown() }
        if try await stopped(guest, on: host, within: GuestShutdown.acpiGrace) { return "shut down by its ACPI power button" }
        progress.line("\(guest.name) on \(host.name) ignored its ACPI power button for \(GuestShutdown.acpiGrace): powering it off"
                      + (session == nil ? "" : " (its disks were synced over SSH)"))
        if try await dom.isActive() { try await dom.destroy() }
        return "powered off by force"
    }

    private func stopped(_ guest: Guest, on host: any HostConnection, within grace: Duration) async throws -> Bool {
        do {
            try await host.libvirt.waitForState(guest.domain, .shutoff, timeout: grace)
            return true
        } catch let e as TBError where e.code == .timeout {
            return false
        }
    }
}
