import Core
import Foundation
import SSH
import Testing

@Suite("exec over one session", .sshd)
struct ExecTests {
    @Test func stdoutStderrAndExitCode() async throws {
        let session = try await SSHD.require().connect()
        let r = try await session.exec("echo out; echo err >&2; exit 3")
        #expect(r.stdout == "out\n")
        #expect(r.stderr == "err\n")
        #expect(r.status == 3)
        await session.close()
    }

    @Test func stdinReachesTheCommand() async throws {
        let session = try await SSHD.require().connect()
        let r = try await session.exec("tr a-z A-Z", stdin: Array("hello ssh\n".utf8))
        #expect(r.stdout == "HELLO SSH\n")
        #expect(r.succeeded)
        // A command that ignores its input still finishes and reports its status.
        let ignored = try await session.exec("exit 7", stdin: [UInt8](repeating: 65, count: 3 << 20))
        #expect(ignored.status == 7)
        await session.close()
    }

    @Test func twentyParallelExecsOnOneSession() async throws {
        let session = try await SSHD.require().connect()
        // More than OpenSSH's MaxSessions (10): the rest wait for a free channel.
        let outputs = try await withThrowingTaskGroup(of: (Int, CommandResult).self) { group in
            for i in 0..<20 {
                group.addTask { (i, try await session.exec("sleep 0.2; echo \(i); echo e\(i) >&2")) }
            }
            var all: [Int: CommandResult] = [:]
            for try await (i, r) in group { all[i] = r }
            return all
        }
        #expect(outputs.count == 20)
        for (i, r) in outputs {
            #expect(r.stdout == "\(i)\n")
            #expect(r.stderr == "e\(i)\n")
            #expect(r.status == 0)
        }
        await session.close()
    }

    @Test func outputIsStreamedBeforeTheCommandEnds() async throws {
        let session = try await SSHD.require().connect()
        let chunks = Locked<[(ContinuousClock.Instant, StdStream, String)]>([])
        let r = try await session.exec("echo a; sleep 3; echo b >&2; echo c") { stream, bytes in
            chunks.withLock { $0.append((.now, stream, String(decoding: bytes, as: UTF8.self))) }
        }
        let end = ContinuousClock.now
        let seen = chunks.current
        let first = try #require(seen.first)
        #expect(first.2 == "a\n")
        #expect(first.1 == .stdout)
        #expect(first.0.duration(to: end) > .seconds(1))
        #expect(seen.filter { $0.1 == .stderr }.map(\.2).joined() == "b\n")
        #expect(r.stdout == "a\nc\n")
    }

    @Test func signalGivesNonZeroStatusAndANote() async throws {
        let session = try await SSHD.require().connect()
        let r = try await session.exec("kill -TERM $$")
        #expect(r.status == 128 + 15)
        #expect(r.stderr.contains("SIGTERM"))
    }

    @Test func runnerQuotesArguments() async throws {
        let session = try await SSHD.require().connect()
        let runner = SSHRunner(session: session, location: "test host")
        let out = try await runner.check(["printf", "%s|", "a b", "it's", "$HOME", ""])
        #expect(out == "a b|it's|$HOME||")
        let failed = try await runner.run(["sh", "-c", "echo nope >&2; exit 4"])
        #expect(failed.status == 4)
        await #expect(throws: TBError.self) { try await runner.check(["false"]) }
    }

    @Test func cancellingAnExecReturnsPromptly() async throws {
        let session = try await SSHD.require().connect()
        let started = ContinuousClock.now
        let task = Task { try await session.exec("sleep 30") }
        try await Task.sleep(for: .milliseconds(300))
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        // Cancellation ended it, not the command.
        #expect(started.duration(to: .now) < .seconds(30))
        // The session is still usable afterwards.
        #expect(try await session.exec("echo ok").stdout == "ok\n")
    }

    @Test func closedSessionRefusesWork() async throws {
        let session = try await SSHD.require().connect()
        await session.close()
        await session.close()
        let error = await #expect(throws: TBError.self) { try await session.exec("true") }
        #expect(error?.code == .ssh)
    }
}

@Suite("exec against a server allowing fewer sessions", .sshd(config: "MaxSessions 3"))
struct SessionLimitTests {
    @Test func parallelExecsAdaptToTheServersLimit() async throws {
        let session = try await SSHD.require().connect()
        let outputs = try await withThrowingTaskGroup(of: String.self) { group in
            for i in 0..<12 { group.addTask { try await session.exec("sleep 0.1; echo \(i)").stdout } }
            var all: [String] = []
            for try await out in group { all.append(out) }
            return all
        }
        #expect(Set(outputs) == Set((0..<12).map { "\($0)\n" }))
        await session.close()
    }
}
