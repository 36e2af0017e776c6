import Apply
import Core
import HostFakes
import Hosts
import TestbedState
import TestSupport
import Testing

/// The start stage through fake hosts: admission per host, waits that follow progress, and a
/// guest that panics started again once (docs/scale.md).
@Suite struct BootTests {
    /// A quick policy: samples every 10 ms, a guest still for `stall` is given up (long
    /// enough by default that a busy test machine never makes a fake guest look stalled).
    static func quick(stall: Duration = .seconds(5)) -> BootPolicy {
        var p = BootPolicy()
        p.interval = .milliseconds(10)
        p.stallWindow = stall
        return p
    }

    /// The most boots under way at once, replayed from the plain output ("... boot X" when a
    /// guest is admitted, "ok  boot X"/"ERR boot X" when its wait ends).
    func mostBootingAtOnce(_ t: Testbed) -> Int {
        var now = 0, most = 0
        for line in t.output.current {
            if line.contains("... boot ") { now += 1; most = max(most, now) }
            if line.contains("ok  boot ") || line.contains("ERR boot ") { now -= 1 }
        }
        return most
    }

    /// Two boots per core: a 2-CPU host boots 4 of 6 guests at once, the others queue; the
    /// host is widened for the 4 starts, and the counts are printed as guests become ready.
    @Test func admissionFollowsTheHostsCores() async throws {
        let t = try Testbed { lab, dir in lab.guests = [Lab.guest("web", in: dir, replicas: 6)] }
        defer { t.remove() }
        t.lab.inject(Fault(op: "guest.connect", .delay(.milliseconds(60)), times: 6))
        try await t.up(Self.quick())
        #expect(mostBootingAtOnce(t) == 4)
        #expect(t.lab.host("main").widenedFor == 4)
        #expect(t.output.current.contains { $0.contains("main: up to 4 guests boot at once (2 CPUs") })
        #expect(t.output.current.contains { $0.contains("booting 0 of 6, queued 0, ready 6") })
        #expect(t.lab.host("main").domains.values.allSatisfy { $0.state == .running })
    }

    @Test func moreCoresAdmitMore() async throws {
        let t = try Testbed { lab, dir in lab.guests = [Lab.guest("web", in: dir, replicas: 8)] }
        defer { t.remove() }
        t.lab.edit { $0.hosts["main"]?.cpus = 3 }
        t.lab.inject(Fault(op: "guest.connect", .delay(.milliseconds(60)), times: 8))
        try await t.up(Self.quick())
        #expect(mostBootingAtOnce(t) == 6)
    }

    /// `max_booting:` overrides the derived limit.
    @Test func maxBootingOverrides() async throws {
        let t = try Testbed { lab, dir in
            lab.hosts[0].maxBooting = 2
            lab.guests = [Lab.guest("web", in: dir, replicas: 5)]
        }
        defer { t.remove() }
        t.lab.inject(Fault(op: "guest.connect", .delay(.milliseconds(60)), times: 5))
        try await t.up(Self.quick())
        #expect(mostBootingAtOnce(t) == 2)
        #expect(t.output.current.contains { $0.contains("main: up to 2 guests boot at once (max_booting)") })
        #expect(!t.lab.calls.contains { $0.op == "node.info" })
    }

    /// A guest whose kernel panics at its first boot is started again once, saying so, and
    /// comes up; the others are not held back.
    @Test func aPanicIsStartedAgainOnce() async throws {
        let t = try Testbed { lab, dir in lab.guests = [Lab.guest("web", in: dir, replicas: 3)] }
        defer { t.remove() }
        t.lab.edit { $0.hosts["main"]?.panicBoots["lab-web-1"] = 1 }
        try await t.up(Self.quick())
        let said = t.output.current.first { $0.contains("web-1 on main: its kernel panicked") }
        #expect(said?.contains("starting it again, once") == true, "\(t.output.current)")
        #expect(said?.contains("Kernel panic - not syncing") == true)
        let starts = t.lab.calls.filter { $0.op == "domain.startPaused" && $0.object == "lab-web-1" }
        #expect(starts.count == 2)
        #expect(t.lab.calls.contains { $0.op == "domain.destroy" && $0.object == "lab-web-1" })
        #expect(t.lab.host("main").domains.values.allSatisfy { $0.state == .running })
    }

    /// Panicking again, the guest is an error with its console's last lines, reported as soon
    /// as the console shows it (not after a timeout); the other guests come up, and the
    /// panicked one is not left spinning.
    @Test func aSecondPanicIsReportedWithTheConsole() async throws {
        let t = try Testbed { lab, dir in lab.guests = [Lab.guest("web", in: dir, replicas: 3)] }
        defer { t.remove() }
        t.lab.edit { $0.hosts["main"]?.panicBoots["lab-web-2"] = 5 }
        let policy = Self.quick(stall: .seconds(60))
        let began = ContinuousClock.now
        let error = try #require(await { () async -> TBError? in
            do { try await t.up(policy); return nil } catch { return error.asTBError() }
        }())
        #expect(began.duration(to: .now) < .seconds(30), "a panic is not waited out")
        let problem = try #require(error.problems.first)
        #expect(error.problems.count == 1)
        #expect(problem.description.contains("web-2"))
        #expect(problem.message.contains("its kernel panicked") && problem.message.contains("(its second start)"), "\(problem)")
        #expect(problem.cause?.contains("Kernel panic - not syncing: IO-APIC + timer doesn't work!") == true, "\(problem)")
        #expect(problem.cause?.contains("/var/log/libvirt/qemu/lab-web-2-serial.log on host main") == true)
        #expect(t.domain("web-0")?.state == .running && t.domain("web-1")?.state == .running)
        #expect(t.domain("web-2")?.state == .shutoff)
        #expect(t.lab.calls.filter { $0.op == "domain.startPaused" && $0.object == "lab-web-2" }.count == 2)
    }

    /// A guest that never answers and shows no progress (console and CPU time still) is given
    /// up after the stall window, without a second start.
    @Test func aStillGuestIsGivenUpAfterTheStallWindow() async throws {
        let t = try Testbed { lab, dir in lab.guests = [Lab.guest("web", in: dir, replicas: 2)] }
        defer { t.remove() }
        t.lab.edit { w in
            w.hosts["main"]?.silent.insert("lab-web-0")
            w.hosts["main"]?.stats["lab-web-0"] = ["cpu.time": 3e9]
        }
        let error = try #require(await { () async -> TBError? in
            do { try await t.up(Self.quick(stall: .milliseconds(300))); return nil } catch { return error.asTBError() }
        }())
        let problem = try #require(error.problems.first)
        #expect(problem.code == .timeout && problem.message.contains("it made no progress"), "\(problem)")
        #expect(t.lab.calls.filter { $0.op == "domain.startPaused" && $0.object == "lab-web-0" }.count == 1)
        #expect(t.domain("web-1")?.state == .running)
    }

    /// A slow guest is waited for as long as it makes progress: its CPU time grows for several
    /// stall windows before it answers, and `up` succeeds.
    @Test func aSlowGuestThatMakesProgressIsWaitedFor() async throws {
        let t = try Testbed { lab, dir in lab.guests = [Lab.guest("web", in: dir, replicas: 1)] }
        defer { t.remove() }
        // Its CPU time grows at each sample (the fake's world moves when it is looked at, so a
        // loaded test machine that samples late does not look like a still guest).
        t.lab.edit { w in
            w.hosts["main"]?.silent.insert("lab-web-0")
            w.hosts["main"]?.cpuPerRead["lab-web-0"] = 0.01
        }
        let answers = answersAfter(.milliseconds(2500), t.lab)   // after 2.5 stall windows
        do { try await t.up(Self.quick(stall: .seconds(1))) } catch { Issue.record("\(error)\n\(t.output.current.joined(separator: "\n"))") }
        try await answers.value
        #expect(t.domain("web-0")?.state == .running)
    }
}

/// Stops told by libvirt's lifecycle events (pvpanic), answers to ARP, and golden builders
/// waited for by the same rule.
@Suite struct BootEventTests {
    /// Samples so rare that only the event can end the wait in time.
    static let rareSamples: BootPolicy = { var p = BootTests.quick(stall: .seconds(120)); p.interval = .seconds(60); return p }()

    func failingUp(_ t: Testbed, _ policy: BootPolicy) async -> TBError? {
        do { try await t.up(policy); return nil } catch { return error.asTBError() }
    }

    /// A guest whose kernel panics at every boot with a pvpanic device is reported the moment
    /// libvirt says so (not at the next sample), started again once, then failed with its
    /// console; the other guests come up and the subscription is dropped afterwards.
    @Test func aPvpanicCrashEndsTheWaitAtOnce() async throws {
        let t = try Testbed { lab, dir in lab.guests = [Lab.guest("web", in: dir, replicas: 3)] }
        defer { t.remove() }
        t.lab.edit { $0.hosts["main"]?.crashBoots["lab-web-2"] = 5 }
        let began = ContinuousClock.now
        let error = try #require(await failingUp(t, Self.rareSamples))
        #expect(began.duration(to: .now) < .seconds(30), "the event ended the wait, not a sample")
        let problem = try #require(error.problems.first)
        #expect(error.problems.count == 1)
        #expect(problem.message.contains("its kernel panicked (its pvpanic device told libvirt)") && problem.message.contains("(its second start)"), "\(problem)")
        #expect(problem.cause?.contains("Kernel panic - not syncing: sysrq triggered crash") == true, "\(problem)")
        let said = t.output.current.first { $0.contains("web-2 on main: its kernel panicked (its pvpanic device told libvirt)") }
        #expect(said?.contains("starting it again, once") == true, "\(t.output.current)")
        // The panic's reason, not the last frame of the stack dump printed after it.
        #expect(said?.contains("once (console: [    0.910000] Kernel panic - not syncing: sysrq triggered crash)") == true, "\(said ?? "")")
        #expect(t.lab.calls.filter { $0.op == "domain.startPaused" && $0.object == "lab-web-2" }.count == 2)
        #expect(t.domain("web-0")?.state == .running && t.domain("web-1")?.state == .running)
        #expect(t.domain("web-2")?.state == .shutoff)
        #expect(t.lab.stopSubscriptions("main") == 0)
    }

    /// One crash: the second start comes up.
    @Test func aSingleCrashIsStartedAgain() async throws {
        let t = try Testbed { lab, dir in lab.guests = [Lab.guest("web", in: dir, replicas: 2)] }
        defer { t.remove() }
        t.lab.edit { $0.hosts["main"]?.crashBoots["lab-web-0"] = 1 }
        try await t.up(Self.rareSamples)
        #expect(t.domain("web-0")?.state == .running)
        #expect(t.output.current.contains { $0.contains("web-0 on main: its kernel panicked (its pvpanic device told libvirt)") })
    }

    /// A guest whose console and CPU time are still, but whose address answers ARP again and
    /// again (the kernel's entry turning REACHABLE), is still waited for past the stall window.
    @Test func answersToARPKeepTheWaitGoing() async throws {
        let t = try Testbed { lab, dir in lab.guests = [Lab.guest("web", in: dir, replicas: 1)] }
        defer { t.remove() }
        let guest = try #require(t.state.guest(named: "web-0"))
        let (ip, mac) = (guest.managementIP, guest.managementNIC.mac)
        t.lab.edit { w in
            w.hosts["main"]?.silent.insert("lab-web-0")
            w.hosts["main"]?.stats["lab-web-0"] = ["cpu.time": 3e9]
            w.hosts["main"]?.neighbours[ip] = (mac, "STALE")
            w.hosts["main"]?.flapping.insert(ip)   // REACHABLE again at every second read
        }
        let answers = answersAfter(.milliseconds(3500), t.lab)   // after three and a half stall windows
        do { try await t.up(BootTests.quick(stall: .seconds(1))) } catch { Issue.record("\(error)\n\(t.output.current.joined(separator: "\n"))") }
        try await answers.value
        #expect(t.domain("web-0")?.state == .running)
    }

    /// Another MAC answering for the address (a stale guest of another testbed) is not this
    /// guest's progress: it is given up after the stall window.
    @Test func anotherMACsAnswerIsNotProgress() async throws {
        let t = try Testbed { lab, dir in lab.guests = [Lab.guest("web", in: dir, replicas: 1)] }
        defer { t.remove() }
        let ip = try #require(t.state.guest(named: "web-0")).managementIP
        t.lab.edit { w in
            w.hosts["main"]?.silent.insert("lab-web-0")
            w.hosts["main"]?.stats["lab-web-0"] = ["cpu.time": 3e9]
            w.hosts["main"]?.neighbours[ip] = ("52:54:00:ff:ff:ff", "STALE")
            w.hosts["main"]?.flapping.insert(ip)
        }
        let error = await failingUp(t, BootTests.quick(stall: .milliseconds(400)))
        #expect(error?.problems.first?.message.contains("it made no progress") == true, "\(String(describing: error))")
    }

    /// A golden image's builder is waited for by the same rule: a crash at its first boot
    /// starts it again, and the image is built.
    @Test func aGoldenBuilderIsStartedAgainAfterACrash() async throws {
        let t = try Testbed { lab, dir in lab.guests = [Lab.guest("web", in: dir, replicas: 2, golden: true)] }
        defer { t.remove() }
        t.lab.edit { $0.hosts["main"]?.crashBoots["lab-web-golden"] = 1 }
        try await t.up(Self.rareSamples)
        #expect(t.output.current.contains { $0.contains("web-golden on main: its kernel panicked (its pvpanic device told libvirt)") }, "\(t.output.current)")
        #expect(t.lab.calls.filter { $0.op == "domain.startPaused" && $0.object == "lab-web-golden" }.count == 2)
        #expect(t.domain("web-0")?.state == .running && t.domain("web-1")?.state == .running)
    }

    /// A builder that crashes twice fails the golden image with its console, and its clones
    /// are not started.
    @Test func aGoldenBuilderThatCrashesTwiceFailsTheImage() async throws {
        let t = try Testbed { lab, dir in lab.guests = [Lab.guest("web", in: dir, replicas: 2, golden: true)] }
        defer { t.remove() }
        t.lab.edit { $0.hosts["main"]?.crashBoots["lab-web-golden"] = 5 }
        let error = try #require(await failingUp(t, Self.rareSamples))
        let problem = try #require(error.problems.first)
        #expect(problem.description.contains("golden image of web (builder web-golden) on host main"), "\(problem)")
        #expect(problem.message.contains("its kernel panicked") && problem.cause?.contains("sysrq triggered crash") == true, "\(problem)")
        #expect(t.domain("web-0")?.state != .running)
        #expect(t.lab.host("main").domains["lab-web-golden"] == nil, "no builder left behind")
    }
}

/// The progress rule alone.
@Suite struct BootProgressTests {
    let t0 = ContinuousClock.now
    func at(_ s: Double) -> ContinuousClock.Instant { t0 + .milliseconds(Int(s * 1000)) }
    func seen(cpu: Double? = nil, console: Int? = nil, panic: Bool = false, state: DomainState? = .running) -> BootProgress.Observation {
        .init(state: state, cpuSeconds: cpu, console: console.map { .init(bytes: $0, panicked: panic) })
    }

    @Test func consoleOrCPUGrowthKeepsTheWaitGoing() {
        var p = BootProgress(stallWindow: .seconds(60), since: t0)
        #expect(p.observe(seen(cpu: 1, console: 100), at: at(50)) == nil)
        #expect(p.observe(seen(cpu: 1, console: 200), at: at(100)) == nil)    // the console grew at 100
        #expect(p.observe(seen(cpu: 1.02, console: 200), at: at(150)) == nil) // a starved guest's 0.02 s at 150
        #expect(p.observe(seen(cpu: 1.02, console: 200), at: at(200)) == nil)
        #expect(p.observe(seen(cpu: 1.02, console: 200), at: at(210)) == .stalled(.seconds(60)))
    }

    @Test func panicCrashAndStopEndTheWaitAtOnce() {
        var p = BootProgress(stallWindow: .seconds(60), since: t0)
        #expect(p.observe(seen(cpu: 1, console: 100, panic: true), at: at(1)) == .panicked)
        #expect(p.observe(seen(state: .crashed), at: at(1)) == .stopped(.crashed))
        #expect(p.observe(seen(state: .shutoff), at: at(1)) == .stopped(.shutoff))
        #expect(p.observe(.init(state: nil, domainKnown: false, cpuSeconds: nil, console: nil), at: at(1)) == .stopped(nil))
        #expect(BootProgress.Verdict.stalled(.seconds(1)).restartable == false)
        #expect(BootProgress.Verdict.panicked.restartable)
    }

    /// A neighbour entry that turns REACHABLE is an answer to ARP: progress; one that stays
    /// REACHABLE is not a new answer.
    @Test func aFreshARPAnswerIsProgress() {
        var p = BootProgress(stallWindow: .seconds(60), since: t0)
        func arp(_ a: Bool) -> BootProgress.Observation { .init(state: .running, cpuSeconds: 1, console: nil, answersARP: a) }
        #expect(p.observe(arp(false), at: at(50)) == nil)
        #expect(p.observe(arp(true), at: at(100)) == nil)     // answered at 100
        #expect(p.observe(arp(true), at: at(150)) == nil)
        #expect(p.observe(arp(false), at: at(155)) == nil)
        #expect(p.observe(arp(true), at: at(159)) == nil)     // answered again at 159
        #expect(p.observe(arp(true), at: at(218)) == nil)
        #expect(p.observe(arp(true), at: at(219)) == .stalled(.seconds(60)))
    }

    @Test func aReportedStopIsRestartableAndSaysWhy() {
        #expect(BootProgress.Verdict.reported(.panicked).restartable)
        #expect(BootProgress.Verdict.reported(.panicked).text.contains("its kernel panicked (its pvpanic device told libvirt)"))
        #expect(BootProgress.Verdict.reported(.failed).text == "its QEMU process failed")
    }

    /// A first sample that comes late (the sampler ran late) is the baseline, not a stall: the
    /// window counts from it.
    @Test func theFirstSampleIsTheBaseline() {
        var p = BootProgress(stallWindow: .seconds(10), since: t0)
        #expect(p.observe(seen(cpu: 1, console: 100), at: at(15)) == nil)
        #expect(p.observe(seen(cpu: 1, console: 100), at: at(24)) == nil)
        #expect(p.observe(seen(cpu: 1, console: 100), at: at(25)) == .stalled(.seconds(10)))
    }

    @Test func aSampleThatSaysNothingIsNoVerdictBeforeTheWindow() {
        var p = BootProgress(stallWindow: .seconds(10), since: t0)
        #expect(p.observe(seen(state: nil), at: at(9)) == nil)
        #expect(p.observe(seen(state: nil), at: at(10)) == .stalled(.seconds(10)))
    }
}

/// web-0 starts answering SSH `delay` after its start (counted from the start, not the test's:
/// on a loaded machine `up` can take seconds to get there).
private func answersAfter(_ delay: Duration, _ lab: FakeLab) -> Task<Void, any Error> {
    Task {
        while !lab.calls.contains(where: { $0.op == "domain.startPaused" && $0.object == "lab-web-0" }) {
            try await Task.sleep(for: .milliseconds(10))
        }
        try await Task.sleep(for: delay)
        lab.edit { $0.hosts["main"]?.silent.remove("lab-web-0") }
    }
}
