import Apply
import Core
import Foundation
import Testing
@testable import tbctl

@Suite struct FleetDocumentTests {
    static let listing = TestbedListing(
        project: "lab", owner: "alice@ws1", composeFile: "/home/alice/lab/testbed.yaml", hosts: ["main", "h1"],
        guests: ["running": 2, "shutoff": 1], created: 0, expires: 7200, secondsLeft: 7140, expired: false, local: true,
        diskBytes: 3 * 1024 * 1024, unreachable: [])

    @Test func lsTextAndJSONSayTheSame() throws {
        var old = Self.listing
        old.project = "lab-test"; old.owner = nil; old.composeFile = nil; old.created = nil; old.expires = nil
        old.secondsLeft = nil; old.local = false; old.hosts = ["local"]; old.guests = [:]; old.diskBytes = 0
        var expired = Self.listing
        expired.project = "e2ettl"; expired.secondsLeft = -300; expired.expired = true; expired.local = false
        let doc = Ls.Document(testbeds: [Self.listing, old, expired], hosts: [
            .init(host: "local", address: "local", reachable: true, error: nil),
            .init(host: "h2", address: "root@10.77.0.12:22", reachable: false, error: TBError(.unreachable, "no route to host"))])
        let text = Ls.text(doc)
        let lines: [String] = text.split(separator: "\n").map { String($0) }
        #expect(lines.count == 5, "\(text)")
        #expect(lines[1].hasPrefix("lab (local)  alice@ws1  main,h1  2 run, 1 off  "), "\(lines[1])")
        #expect(lines[1].contains("  1h 59m  ") && lines[1].contains("3.0 MiB") && lines[1].hasSuffix("/home/alice/lab/testbed.yaml"))
        #expect(lines[2].hasPrefix("lab-test     ?          local    none  ") && lines[2].hasSuffix("?"), "\(lines[2])")
        #expect(lines[3].contains("expired 5m ago"), "\(lines[3])")
        #expect(lines[4] == "host h2 (root@10.77.0.12:22) unreachable: no route to host")
        let json = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(doc)) as? [String: Any])
        let first = try #require((json["testbeds"] as? [[String: Any]])?.first)
        #expect(first["secondsLeft"] as? Double == 7140 && first["local"] as? Bool == true && first["owner"] as? String == "alice@ws1")
        #expect(Ls.text(.init(testbeds: [], hosts: [])) == "no testbeds")
    }
}
