import Core
import Foundation
import TestbedState
import Testing

extension E2E {
/// Network conditions on real guests, each on a guest of the master and a guest of a simulated
/// remote host, measured as a user would: ping RTTs and loss, a download's rate, the guest's
/// carrier, pings across and within a partition, and captures read back with tcpdump.
/// One lab for everything (three demo guests).
@Suite(.serialized) struct ConditionsTests {
    @Test func linkImpairPartitionCapture() async throws {
        try await FakeHosts.up(["h1"])
        let lab = try TestLab(fixture: "conditions")
        defer { lab.removeDir() }
        try lab.replace("KEY", with: FakeHosts.clientKey)
        try await lab.tbctl("down", "--purge")
        let up = try await lab.tbctl("up")
        #expect(up.status == 0, "\(up.stdout)\(up.stderr)")
        let net = Net(lab: lab)

        try await badInputChangesNothing(lab)
        // Delay, loss and rate: the guest's outgoing traffic (--direction out, the default).
        // a (master) is measured from a towards b; r (remote) from a, whose pings r answers.
        for (target, to) in [("a", "b"), ("r", "r")] {
            let base = try await net.rtt(from: "a", to: to)
            try await lab.ok("impair", target, "--delay", "100ms")
            let slow = try await net.rtt(from: "a", to: to)
            print("measured: \(target) RTT median \(base) ms, \(slow) ms with --delay 100ms")
            #expect(abs(slow - base - 100) <= 20, "\(target): RTT \(base) ms -> \(slow) ms with --delay 100ms")
            try await lab.ok("impair", "--clear", target)
            let back = try await net.rtt(from: "a", to: to)
            #expect(back < base + 20, "\(target): RTT back to \(back) ms after --clear (was \(base) ms)")

            try await lab.ok("impair", target, "--loss", "30%")
            let lost = try await net.loss(from: "a", to: to, count: 200)
            print("measured: \(target) \(lost)% of 200 pings lost with --loss 30%, RTT \(back) ms after --clear")
            #expect((20...40).contains(lost), "\(target): \(lost)% of 200 pings lost with --loss 30%")
            try await lab.ok("impair", "--clear", target)
        }
        try await betweenHosts(lab, net)
        try await rateCapsADownload(lab, net)
        try await linkDownAndUp(lab, net)
        try await partitionAcrossHosts(lab, net)
        try await captures(lab, net)

        #expect(try await lab.tbctl("down", "--purge").status == 0)
        #expect(!FileManager.default.fileExists(atPath: lab.workspace.path("conditions.json")), "down removes the conditions")
        try await FakeHosts.down()
    }

    /// Unknown guest or network, a guest not on the network, malformed values: exit 2, an
    /// error naming the object, and no condition recorded or applied.
    func badInputChangesNothing(_ lab: TestLab) async throws {
        for (args, says) in [(["link", "zz", "lan", "down"], "no guest `zz`"),
                             (["link", "a", "wan", "down"], "no network `wan`"),
                             (["impair", "a:dmz", "--delay", "10ms"], "no network `dmz`"),
                             (["impair", "a", "--delay", "100"], "--delay `100`: give a unit"),
                             (["impair", "a", "--loss", "130%"], "--loss `130%`: at most 100%"),
                             (["impair", "a", "--rate", "1mbps"], "tc's bps means bytes"),
                             (["impair", "lan", "--between", "main,h9", "--delay", "1ms"], "no host `h9`"),
                             (["partition", "a", "a,r"], "guest a would be in both groups"),
                             (["partition", "a", "nobody"], "no guest, service or host `nobody`"),
                             (["capture", "wan", "--duration", "1s"], "no network or guest `wan`")] {
            let r = try await lab.run(args[0], arguments: Array(args.dropFirst()))
            #expect(r.status == 2, "\(args): exit \(r.status) \(r.stderr)")
            #expect(r.stderr.contains(says), "\(args): \(r.stderr)")
        }
        let status = try await lab.tbctl("status")
        #expect(!status.stdout.contains("network conditions"), "\(status.stdout)")
        #expect(try await lab.ssh("a", "/usr/sbin/tc qdisc show | grep -c netem || true").stdout == "0\n")
    }

    /// The network between the two hosts: a -> r slows down, a -> b (same host) does not.
    func betweenHosts(_ lab: TestLab, _ net: Net) async throws {
        let (across, within) = (try await net.rtt(from: "a", to: "r"), try await net.rtt(from: "a", to: "b"))
        try await lab.ok("impair", "lan", "--between", "main,h1", "--delay", "100ms")
        let (slowAcross, slowWithin) = (try await net.rtt(from: "a", to: "r"), try await net.rtt(from: "a", to: "b"))
        print("measured: --between main,h1 --delay 100ms: a -> r \(across) -> \(slowAcross) ms, a -> b \(within) -> \(slowWithin) ms")
        #expect(abs(slowAcross - across - 100) <= 20, "a -> r: \(across) ms -> \(slowAcross) ms")
        #expect(slowWithin < within + 20, "a -> b: \(within) ms -> \(slowWithin) ms (same host: not impaired)")
        try await lab.ok("impair", "--clear", "lan", "--between", "main,h1")
    }

    /// --rate 1mbit on the serving guest's outgoing traffic caps a 256 KiB download from it.
    func rateCapsADownload(_ lab: TestLab, _ net: Net) async throws {
        for g in ["a", "r"] {
            _ = try await lab.ssh(g, "mkdir -p /tmp/www && dd if=/dev/zero of=/tmp/www/f bs=1024 count=256 2>/dev/null && setsid httpd -p 8080 -h /tmp/www")
        }
        for (server, client) in [("a", "b"), ("r", "a")] {
            let before = try await net.download(by: client, from: server)
            try await lab.ok("impair", server, "--rate", "1mbit")
            let capped = try await net.download(by: client, from: server)
            try await lab.ok("impair", "--clear", server)
            print("measured: download from \(server): \(before) Mbit/s, \(capped) Mbit/s with --rate 1mbit")
            #expect(before > 3, "\(server): \(before) Mbit/s before the cap")
            #expect(capped <= 1.1 && capped >= 0.5, "\(server): \(capped) Mbit/s with --rate 1mbit (\(before) before)")
        }
    }

    /// link down: the guest sees no carrier and pings fail both ways; up restores them.
    func linkDownAndUp(_ lab: TestLab, _ net: Net) async throws {
        for (g, peer) in [("a", "b"), ("r", "a")] {
            try await lab.ok("link", g, "lan", "down")
            #expect(try await net.carrier(g) == "0", "\(g) still has carrier")
            #expect(try await net.loss(from: peer, to: g, count: 3) == 100, "\(peer) -> \(g) with \(g)'s link down")
            let status = try await lab.tbctl("status")
            #expect(status.stdout.contains("link \(g):lan down"), "\(status.stdout)")
            try await lab.ok("link", g, "lan", "up")
            #expect(try await net.carrier(g) == "1", "\(g) has no carrier after link up")
            #expect(try await net.loss(from: peer, to: g, count: 3) < 100, "\(peer) -> \(g) after link up")
        }
    }

    /// The master's guests against the remote host's: cut across, not within; --heal.
    func partitionAcrossHosts(_ lab: TestLab, _ net: Net) async throws {
        try await lab.ok("partition", "main", "h1")
        #expect(try await net.loss(from: "a", to: "r", count: 3) == 100, "a -> r across the partition")
        #expect(try await net.loss(from: "r", to: "b", count: 3) == 100, "r -> b across the partition")
        #expect(try await net.loss(from: "a", to: "b", count: 3) == 0, "a -> b within a group")
        try await lab.ok("partition", "--heal")
        #expect(try await net.loss(from: "a", to: "r", count: 3) == 0, "a -> r after --heal")
    }

    /// Captures taken while a pings: the remote guest's NIC (streamed from h1), the local
    /// guest's NIC, and the whole network to stdout; each read back with tcpdump -r.
    func captures(_ lab: TestLab, _ net: Net) async throws {
        for (target, to) in [("r:lan", "r"), ("a:lan", "b")] {
            let file = lab.dir + "/\(target.prefix(1)).pcap"
            let capture = Task { try await lab.run("capture", target, "-w", file, "--duration", "6s") }
            try await Task.sleep(for: .seconds(2.5))
            _ = try await net.loss(from: "a", to: to, count: 3)
            let r = try await capture.value
            #expect(r.status == 0, "\(r.stderr)")
            let (requests, replies) = try await icmp(file)
            #expect(requests >= 3 && replies >= 3, "\(target): \(requests) echo requests, \(replies) replies in \(file)")
        }
        let file = lab.dir + "/lan.pcap"
        let capture = Task {
            try await Subprocess.run(["sh", "-c", "\"$0\" capture -f \"$1\" lan -w - --duration 6s > \"$2\"", Repo.tbctl, lab.compose, file])
        }
        try await Task.sleep(for: .seconds(2.5))
        _ = try await net.loss(from: "a", to: "r", count: 3)
        let r = try await capture.value
        #expect(r.status == 0, "\(r.stderr)")
        let (requests, replies) = try await icmp(file)
        // Requests enter the network on the master, replies on h1: both hosts' captures are in.
        print("measured: capture lan: \(requests) echo requests, \(replies) replies")
        #expect(requests == 3 && replies == 3, "lan: \(requests) echo requests, \(replies) replies (each frame once)")
    }

    func icmp(_ file: String) async throws -> (requests: Int, replies: Int) {
        let out = try await Subprocess.run(["tcpdump", "-r", file, "-n", "icmp"])
        #expect(out.succeeded, "tcpdump -r \(file): \(out.stderr)")
        let lines = out.stdout.split(separator: "\n")
        return (lines.filter { $0.contains("echo request") }.count, lines.filter { $0.contains("echo reply") }.count)
    }
}
}

/// Measurements from inside the guests, with the guests' own tools (busybox ping, wget).
struct Net {
    let lab: TestLab

    func ip(_ guest: String) throws -> String { try lab.guest(guest).nics.first { $0.network == "lan" }!.ip }

    /// The median round trip of 10 pings, in ms (the median: a TCG guest's scheduling adds outliers).
    func rtt(from: String, to: String) async throws -> Double {
        let out = try await lab.ssh(from, "ping -c 10 -i 0.2 -W 3 \(try ip(to))").stdout
        let times = out.split(separator: "\n").compactMap { line -> Double? in
            guard let r = line.range(of: "time=") else { return nil }
            return Double(line[r.upperBound...].prefix { $0.isNumber || $0 == "." })
        }.sorted()
        guard !times.isEmpty else { throw TBError(.command, "no ping from \(from) to \(to) was answered", cause: out) }
        return times[times.count / 2]
    }

    /// Percent of `count` pings lost (0.02 s apart when many).
    func loss(from: String, to: String, count: Int) async throws -> Int {
        let interval = count > 20 ? "0.02" : "0.3"
        let out = try await lab.ssh(from, "ping -c \(count) -i \(interval) -W 2 \(try ip(to))").stdout
        guard let line = out.split(separator: "\n").first(where: { $0.contains("packets transmitted") }),
              let r = line.range(of: "received, ") else { throw TBError(.command, "no ping summary", cause: out) }
        return Int(line[r.upperBound...].prefix { $0.isNumber })!
    }

    /// Mbit/s of a 256 KiB download by `by` from `from`'s httpd, timed with `by`'s clock.
    func download(by: String, from: String) async throws -> Double {
        let cmd = "s=$(cut -d' ' -f1 /proc/uptime); wget -q -O /dev/null http://\(try ip(from)):8080/f && e=$(cut -d' ' -f1 /proc/uptime) && echo \"$s $e\""
        let out = try await lab.ssh(by, cmd)
        let t = out.stdout.split(separator: " ").compactMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        guard out.status == 0, t.count == 2, t[1] > t[0] else { throw TBError(.command, "download failed", cause: out.stdout + out.stderr) }
        return 262_144 * 8 / 1e6 / (t[1] - t[0])
    }

    /// The carrier of the guest's NIC on lan (found by MAC), as the guest sees it.
    func carrier(_ guest: String) async throws -> String {
        let mac = try lab.guest(guest).nics.first { $0.network == "lan" }!.mac
        let out = try await lab.ssh(guest, "for d in /sys/class/net/*; do [ \"$(cat $d/address)\" = \(mac) ] && cat $d/carrier; done")
        return out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

extension TestLab {
    /// `tbctl SUBCOMMAND -f COMPOSE ARGS...`, expected to exit 0.
    func ok(_ subcommand: String, _ args: String...) async throws {
        let began = ContinuousClock.now
        let r = try await run(subcommand, arguments: args)
        // For docs/performance.md: how long each condition command takes, end to end.
        print("timing: tbctl \(subcommand) \(args.joined(separator: " ")): \(ContinuousClock.now - began)")
        #expect(r.status == 0, "tbctl \(subcommand) \(args.joined(separator: " ")): exit \(r.status)\n\(r.stdout)\(r.stderr)")
    }

    func run(_ subcommand: String, arguments args: [String]) async throws -> CommandResult {
        try await Subprocess.run([Repo.tbctl, subcommand, "-f", compose] + args)
    }
}
