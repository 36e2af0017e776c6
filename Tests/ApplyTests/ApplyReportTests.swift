@testable import Apply
import Core
import Foundation
import Plan
import Testing

/// What `up --format json` and `down --format json` report of a run (docs/cli.md).
@Suite struct ApplyReportTests {
    @Test func eachActionHasItsResultAndAFailureItsError() throws {
        let report = ApplyReport()
        let start0 = Action.startDomain(guest: "web-0", host: "main")
        let start1 = Action.startDomain(guest: "web-1", host: "h2")
        let setup1 = Action.runSetup(guest: "web-1", host: "h2")
        let failure = Failure(action: start1, error: TBError(.libvirt, "cannot start", object: "guest web-1 on host h2"))
        report.stage(.start, ran: [start0, start1], skipped: [], failures: [failure], seconds: 1.5)
        report.stage(.setup, ran: [], skipped: [setup1], failures: [], seconds: 0)
        report.host("h3", "unreachable", TBError(.unreachable, "refused", object: "host h3"))
        report.note("web-0 on main keeps running on its previous definition")

        #expect(report.stages.map(\.stage) == ["start", "setup"])
        #expect(report.stages[0].actions.map(\.result) == [.ok, .failed] && report.stages[1].actions.map(\.result) == [.skipped])
        #expect(report.stages[0].actions[1].error?.object == "guest web-1 on host h2")

        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        let json = String(decoding: try enc.encode(report.stages[0].actions[1]), as: UTF8.self)
        #expect(json == #"{"action":{"guest":"web-1","host":"h2","kind":"startDomain","mark":"~","summary":"start web-1 on h2"},"#
            + #""error":{"code":"libvirt","exitStatus":1,"message":"cannot start","object":"guest web-1 on host h2"},"result":"failed"}"#)
        let host = String(decoding: try enc.encode(report.hosts[0]), as: UTF8.self)
        #expect(host == #"{"error":{"code":"unreachable","exitStatus":3,"message":"refused","object":"host h3"},"host":"h3","result":"unreachable"}"#)
        #expect(report.notes.count == 1)
    }

    /// Every action kind has its own name in JSON, and the objects it is about.
    @Test func actionsEncodeTheirKindAndObjects() throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        func json(_ a: Action) throws -> String { String(decoding: try enc.encode(a), as: UTF8.self) }
        #expect(try json(.copyGolden(service: "web", from: "main", to: "h1"))
            == #"{"from":"main","host":"h1","kind":"copyGolden","mark":"+","service":"web","summary":"copy golden image of web from main to h1","to":"h1"}"#)
        #expect(try json(.recreateDisk(guest: "db", host: "main", reason: "its image changed")).contains(#""reason":"its image changed""#))
        #expect(try json(.removeVolume(volume: "old.qcow2", host: "main")).contains(#""kind":"removeVolume","mark":"-""#))
        #expect(try json(.configureBridges(host: "main", changes: ["+ bridge tb-x"])).contains(#""changes":["+ bridge tb-x"]"#))
    }
}
