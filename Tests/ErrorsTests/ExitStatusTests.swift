import Errors
import Foundation
import Testing

/// The exit-status contract of docs/cli.md: what each class of error exits with.
@Suite struct ExitStatusTests {
    @Test func eachCodeHasItsClass() {
        let expected: [TBError.Code: Int32] = [
            .invalidInput: 2, .notFound: 2, .conflict: 4, .unreachable: 3, .failed: 1, .libvirt: 1, .ssh: 1,
            .hostKeyMismatch: 1, .command: 1, .ovs: 1, .io: 1, .timeout: 1, .unsupported: 1, .cancelled: 130, .internalError: 70,
        ]
        #expect(Set(expected.keys) == Set(TBError.Code.allCases), "every code is in the table")
        for (code, status) in expected { #expect(ExitStatus(code).rawValue == status, "\(code)") }
    }

    @Test func theNumbersAreStable() {
        #expect(ExitStatus.allCases.map(\.rawValue) == [0, 1, 2, 3, 4, 70, 130])
        #expect(ExitStatus.allCases.map(\.name) == ["ok", "failed", "usage", "unreachable", "conflict", "internalError", "interrupted"])
    }

    @Test func severalProblemsGiveUnreachableOnlyWhenAllAre() {
        let h1 = TBError(.unreachable, "no route", object: "host h1")
        let h2 = TBError(.unreachable, "refused", object: "host h2")
        let step = TBError(.command, "exited with status 3", object: "guest web-0 on host main")
        #expect(TBError(.failed, "`up` did not finish", problems: [h1, h2]).exitStatus == .unreachable)
        #expect(TBError(.failed, "`up` did not finish", problems: [h1, step]).exitStatus == .failed)
        #expect(TBError(.failed, "`up` did not finish", problems: [step, TBError(.cancelled, "interrupted")]).exitStatus == .interrupted)
        #expect(TBError(.failed, "no problems listed").exitStatus == .failed)
        // The mistakes of a compose file are usage errors, whatever each one's code.
        let compose = TBError(.invalidInput, "2 errors in the compose file", problems: [
            TBError(.invalidInput, "unknown key", object: "testbed.yaml:3:1"), TBError(.notFound, "no such image", object: "testbed.yaml:6:9"),
        ])
        #expect(compose.exitStatus == .usage)
    }
}

@Suite struct TBErrorTests {
    struct Parse: Error, CustomStringConvertible { var description: String { "bad byte at 12" } }

    @Test func keepsTheUnderlyingErrorNotJustItsText() throws {
        let inner = TBError(.hostKeyMismatch, "host key differs", object: "10.77.0.11")
        let outer = TBError(.unreachable, "cannot connect", object: "host h1", underlying: inner)
        let kept = try #require(outer.underlyingTBError)
        #expect(kept.code == .hostKeyMismatch && kept.object == "10.77.0.11")
        #expect(outer.cause == inner.description)
        let foreign = TBError(.io, "state.json is damaged", underlying: Parse())
        #expect(foreign.underlying is Parse && foreign.cause == "bad byte at 12" && foreign.underlyingTBError == nil)
    }

    @Test func descriptionListsProblemsUnderTheMessage() {
        let e = TBError(.failed, "`down` did not finish: 2 problems", problems: [
            TBError(.unreachable, "refused", object: "host h2", cause: "connect: 10.77.0.12:22"),
            TBError(.libvirt, "cannot remove domain", object: "host h1"),
        ])
        #expect(e.description == """
            `down` did not finish: 2 problems
            - host h2: refused
                cause: connect: 10.77.0.12:22
            - host h1: cannot remove domain
            """)
    }

    @Test func jsonHasStableKeysAndLeavesOutWhatIsEmpty() throws {
        let inner = TBError(.libvirt, "Failed to connect socket", cause: "No such file or directory")
        var e = TBError(.failed, "`up` did not finish: 1 problem", problems: [
            TBError(.unreachable, "Failed to connect socket", object: "host main", underlying: inner),
        ])
        e.object = "testbed e2e"
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        let json = String(decoding: try enc.encode(e), as: UTF8.self)
        #expect(json == #"{"code":"failed","exitStatus":3,"message":"`up` did not finish: 1 problem","object":"testbed e2e","#
            + #""problems":[{"cause":"Failed to connect socket\n  cause: No such file or directory","code":"unreachable","exitStatus":3,"#
            + #""message":"Failed to connect socket","object":"host main","underlying":{"cause":"No such file or directory","#
            + #""code":"libvirt","exitStatus":1,"message":"Failed to connect socket"}}]}"#)
    }
}
