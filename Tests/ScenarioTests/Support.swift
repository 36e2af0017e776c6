import Testing
import YAML
@testable import Scenario

/// A small testbed: `client`, `db`, service `web` (web-0..2) on `main` and `rack2`, networks
/// `lan` (everyone) and `dmz` (web only).
let testbed = Facts(
    project: "lab", composeFile: "/lab/testbed.yaml",
    guests: [
        .init(name: "client", service: nil, index: nil, host: "main", management: "10.100.0.2", addresses: ["lan": "10.1.0.2"]),
        .init(name: "db", service: nil, index: nil, host: "main", management: "10.100.0.3", addresses: ["lan": "10.1.0.3"]),
        .init(name: "web-0", service: "web", index: 0, host: "main", management: "10.100.0.4", addresses: ["lan": "10.1.0.4", "dmz": "10.2.0.4"]),
        .init(name: "web-1", service: "web", index: 1, host: "rack2", management: "10.100.1.2", addresses: ["lan": "10.1.0.5", "dmz": "10.2.0.5"]),
        .init(name: "web-2", service: "web", index: 2, host: "rack2", management: "10.100.1.3", addresses: ["lan": "10.1.0.6", "dmz": "10.2.0.6"]),
    ],
    hosts: [.init(name: "main", isMaster: true, address: nil), .init(name: "rack2", isMaster: false, address: "ops@192.0.2.12:22")],
    services: ["web": ["lan", "dmz"]])

/// Local files that exist for `copy` sources: `/s/bin/server` (a file) and `/s/site` (a folder).
struct FakeFiles: LocalFiles {
    func kind(of path: String) -> LocalFileKind? {
        switch path {
        case "/s/bin/server": return .file
        case "/s/site": return .directory
        default: return nil
        }
    }
}

func load(_ text: String) throws -> Scenario {
    try ScenarioLoader.load(text: text, file: "s.yaml", folder: "/s")
}

func plan(_ text: String, vars: [String: String] = [:], facts: Facts = testbed) throws -> RunPlan {
    try Expansion.expand(try load(text), facts: facts, vars: vars, files: FakeFiles())
}

/// Every problem of a scenario (file alone, then against the testbed) as "line:column message".
func problems(_ text: String, facts: Facts = testbed, sourceLocation: SourceLocation = #_sourceLocation) -> [String] {
    let p = Problems()
    if let s = ScenarioLoader.decode(text: text, file: "s.yaml", folder: "/s", problems: p) {
        _ = Expansion.expand(s, facts: facts, vars: [:], files: FakeFiles(), problems: p)
    }
    if p.isEmpty { Issue.record("expected problems", sourceLocation: sourceLocation) }
    return ScenarioError(p.all).problems.map { "\($0.mark.map { "\($0.line):\($0.column)" } ?? "-") \($0.message)" }
}

/// The single problem of a scenario; records a failure when there are more or none.
func problem(_ text: String, facts: Facts = testbed, sourceLocation: SourceLocation = #_sourceLocation) -> String {
    let all = problems(text, facts: facts, sourceLocation: sourceLocation)
    if all.count != 1 { Issue.record("expected one problem, got \(all)", sourceLocation: sourceLocation) }
    return all.first ?? ""
}
