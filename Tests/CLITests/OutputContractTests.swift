import ArgumentParser
import Core
import Foundation
import Testing
@testable import tbctl

/// The output contract of docs/cli.md: how the format is chosen, and what an error prints and
/// exits with in each format.
@Suite struct OutputContractTests {
    @Test func theFormatIsFoundBeforeTheCommandLineIsParsed() {
        #expect(OutputFormat.requested(in: ["tbctl", "status"]) == .text)
        #expect(OutputFormat.requested(in: ["tbctl", "status", "--json"]) == .json)
        #expect(OutputFormat.requested(in: ["tbctl", "plan", "--format", "json", "-f", "x.yaml"]) == .json)
        #expect(OutputFormat.requested(in: ["tbctl", "plan", "--format=json"]) == .json)
        #expect(OutputFormat.requested(in: ["tbctl", "plan", "--format", "yaml"]) == .text)
        // After `--` the words are the guest's command, not ours.
        #expect(OutputFormat.requested(in: ["tbctl", "exec", "--all", "--", "jq", "--json"]) == .text)
    }

    @Test func jsonAndFormatAreOneOption() throws {
        #expect(try Status.parse(["--json"]).output.format == .json)
        #expect(try Status.parse(["--format", "json"]).output.format == .json)
        #expect(try Status.parse([]).output.format == .text)
        #expect(try Status.parse(["--json", "--format", "json"]).output.isJSON)
        #expect(throws: (any Error).self) { try Status.parse(["--json", "--format", "text"]) }
        #expect(throws: (any Error).self) { try Status.parse(["--format", "yaml"]) }
    }

    /// Every command that reports something takes the format option; `-v` only where it shows more.
    @Test func formatEverywhereVerboseOnlyWhereItDoesSomething() throws {
        let reporting: [any ParsableCommand.Type] = [Status.self, Show.self, Plan.self, Validate.self, GenerateArtefacts.self,
                                                     Up.self, Down.self, Scale.self, Exec.self, SSHConfigCommand.self,
                                                     SnapshotCreate.self, SnapshotRestore.self, SnapshotList.self, SnapshotDelete.self,
                                                     Link.self, Impair.self, PartitionCommand.self]
        for command in reporting {
            #expect(Self.flags(command).contains("--format"), "\(command)")
            #expect(Self.flags(command).contains("--json"), "\(command)")
        }
        let verbose: [any ParsableCommand.Type] = [Up.self, Down.self, Scale.self, Exec.self, SSHCommand.self,
                                                   SnapshotCreate.self, SnapshotRestore.self]
        for command in reporting + [SSHCommand.self, CaptureCommand.self] {
            #expect(Self.flags(command).contains("--verbose") == verbose.contains { $0 == command }, "\(command)")
        }
    }

    static func flags(_ command: any ParsableCommand.Type) -> String { command.helpMessage(columns: 200) }

    @Test func errorsPrintTheirCodeAndExitWithTheirClass() throws {
        let e = TBError(.notFound, "there is no snapshot nosuch in project lab", object: "project lab")
        let text = ErrorOutput.rendered(e, format: .text)
        #expect(text == ("error: project lab: there is no snapshot nosuch in project lab", 2))
        let json = ErrorOutput.rendered(e, format: .json)
        #expect(json.status == 2 && !json.text.contains("\n"))
        let decoded = try JSONDecoder().decode([String: [String: AnyCodable]].self, from: Data(json.text.utf8))
        #expect(decoded["error"]?["code"] == .string("notFound"))
        #expect(decoded["error"]?["exitStatus"] == .int(2))
        #expect(decoded["error"]?["object"] == .string("project lab"))
    }

    @Test func commandLineMistakesAreUsageErrors() throws {
        do {
            _ = try Tbctl.parseAsRoot(["scale", "web=-1"])
            Issue.record("parsed")
        } catch {
            let (text, status) = ErrorOutput.rendered(error, format: .text)
            #expect(status == 2 && text.contains("expected SERVICE=N with N >= 0") && text.contains("Usage: tbctl scale"), "\(text)")
            let json = ErrorOutput.rendered(error, format: .json)
            #expect(json.status == 2 && json.text.hasPrefix(#"{"error":{"code":"invalidInput","exitStatus":2,"#), "\(json.text)")
        }
        do {
            _ = try Tbctl.parseAsRoot(["statsu"])
            Issue.record("parsed")
        } catch {
            #expect(ErrorOutput.rendered(error, format: .text).status == 2)
        }
    }

    @Test func interruptionsBugsAndAggregates() {
        #expect(ErrorOutput.rendered(CancellationError(), format: .text).status == 130)
        struct Unexpected: Error {}
        #expect(ErrorOutput.rendered(Unexpected(), format: .json).status == 70)
        let hosts = TBError(.failed, "`up` did not finish: 2 problems", problems: [
            TBError(.unreachable, "refused", object: "host h1"), TBError(.unreachable, "no route", object: "host h2"),
        ])
        #expect(ErrorOutput.rendered(hosts, format: .text).status == 3)
        #expect(ErrorOutput.rendered(TBError(.conflict, "this project is busy"), format: .text).status == 4)
    }
}

/// Just enough of JSON to compare values.
enum AnyCodable: Decodable, Equatable {
    case string(String), int(Int), other
    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let i = try? c.decode(Int.self) { self = .int(i) } else if let s = try? c.decode(String.self) { self = .string(s) } else { self = .other }
    }
}
