import Core
import Foundation
import Testing
@testable import Runner

/// The tag-and-sweep stop on this machine's real processes (the master is a target too).
@Suite struct ProcessTagsTests {
    let tags = ProcessTags(project: "unit-\(UInt32.random(in: 0...UInt32.max))", run: 7)

    @Test func everyProcessOfTheRunIsStoppedEvenOnesThatLeftTheGroupOrIgnoreTERM() async throws {
        let p = Process()
        // In a session of its own, as an SSH server (or LocalTarget) starts a job's command.
        p.executableURL = URL(fileURLWithPath: "/usr/bin/setsid")
        let command = "sleep 300 & (trap '' TERM; exec sleep 301) & setsid sleep 302 & echo started; wait"
        p.arguments = ["-w", "/bin/sh", "-c", tags.wrap(command, job: 3)]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let first = await blocking { out.fileHandleForReading.availableData }
        #expect(String(decoding: first, as: UTF8.self) == "started\n")
        try await Task.sleep(for: .milliseconds(200))   // the background `sleep`s exec'ed

        let listed = try await Subprocess.run(["sh", "-c", ProcessTags.listCommand(tags.runTag)]).stdout
        #expect(listed.split(separator: "\n").filter { $0.hasSuffix(" sleep") }.count == 3, "\(listed)")
        #expect(try await Subprocess.run(["sh", "-c", ProcessTags.listCommand(tags.jobTag(3))]).stdout == listed)

        let kill = try await Subprocess.run(["sh", "-c", ProcessTags.killCommand(tags.runTag, grace: .milliseconds(300))])
        #expect(kill.status == 0, "\(kill.stderr)")
        #expect(try await Subprocess.run(["sh", "-c", ProcessTags.listCommand(tags.runTag)]).stdout == "")
        await blocking { p.waitUntilExit() }
    }

    /// A job that is only shell builtins starts no process with the tag in its environment:
    /// its shell is found by its command line.
    @Test func aShellLoopOfBuiltinsIsFoundByItsCommandLine() async throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/setsid")
        p.arguments = ["-w", "/bin/sh", "-c", tags.wrap("while true; do :; done", job: 4)]
        try p.run()
        try await Task.sleep(for: .milliseconds(200))
        let listed = try await Subprocess.run(["sh", "-c", ProcessTags.listCommand(tags.runTag)]).stdout
        // The shell (and here `setsid -w`, whose arguments hold the wrapped line too).
        #expect(listed.split(separator: "\n").contains { $0.hasSuffix(" sh") }, "\(listed)")
        #expect(try await Subprocess.run(["sh", "-c", ProcessTags.killCommand(tags.runTag, grace: .milliseconds(300))]).status == 0)
        await blocking { p.waitUntilExit() }
        #expect(try await Subprocess.run(["sh", "-c", ProcessTags.listCommand(tags.runTag)]).stdout == "")
    }

    @Test func theWrapperPassesTheExitStatusOn() async throws {
        for shell in ["/bin/sh", "/bin/busybox"] {
            let argv = shell == "/bin/busybox" ? [shell, "sh", "-c"] : [shell, "-c"]
            let r = try await Subprocess.run(argv + [tags.wrap("echo \"$TBCTL_RUN $TBCTL_JOB\"; exit 5", job: 9)])
            #expect(r.status == 5 && r.stdout == "\(tags.project)/7/ \(tags.project)/7/9/\n", "\(shell): \(r)")
        }
    }

    @Test func nothingToStopIsFine() async throws {
        #expect(try await Subprocess.run(["sh", "-c", ProcessTags.killCommand(tags.runTag)]).status == 0)
    }
}
