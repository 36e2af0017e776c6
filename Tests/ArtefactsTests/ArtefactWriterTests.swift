@testable import Artefacts
import Core
import Foundation
import TestbedState
import Testing

@Suite struct ArtefactWriterTests {
    func mtime(_ path: String) -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
    }

    func mode(_ path: String) -> Int? {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? NSNumber)?.intValue
    }

    @Test func writesEveryGuestIncludingGoldenBuildersOwnerOnly() throws {
        let state = try Fixture.synthetic(guests: 3)
        let dir = Fixture.tempDir("writer")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let summary = try ArtefactWriter.write(state: state, projectSecret: Fixture.secret, to: dir)
        #expect(summary.guests == 3 && summary.filesWritten == 15 && summary.filesUnchanged == 0)
        #expect(summary.changedGuests == ["svc0-golden", "svc0-0", "svc0-1"])
        for guest in state.guests {
            let expected = try GuestArtefacts.render(
                guest: guest, state: state, projectSecret: Fixture.secret,
                files: GuestFiles.writeFiles(for: guest, read: SourceTree.read), extra: nil)
            for (name, bytes) in expected.files {
                let path = "\(dir)/\(guest.name)/\(name)"
                #expect(FileManager.default.contents(atPath: path) == Data(bytes), "\(path)")
                #expect(mode(path) == 0o600)
            }
        }
    }

    @Test func reRunsRewriteOnlyWhatChanged() throws {
        var state = try Fixture.synthetic(guests: 4)
        let dir = Fixture.tempDir("rerun")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try ArtefactWriter.write(state: state, projectSecret: Fixture.secret, to: dir)
        let before = mtime("\(dir)/svc0-0/seed.iso")
        Thread.sleep(forTimeInterval: 0.02)

        let again = try ArtefactWriter.write(state: state, projectSecret: Fixture.secret, to: dir)
        #expect(again.filesWritten == 0 && again.filesUnchanged == 20 && again.changedGuests.isEmpty)
        #expect(mtime("\(dir)/svc0-0/seed.iso") == before)

        state.guests[2].env["EXTRA"] = "1"
        let changed = try ArtefactWriter.write(state: state, projectSecret: Fixture.secret, to: dir)
        // user-data, meta-data (its instance-id) and the seed; network-config and domain.xml stay.
        #expect(changed.filesWritten == 3 && changed.changedGuests == [state.guests[2].name])
        #expect(mtime("\(dir)/svc0-0/seed.iso") == before)
    }

    @Test func removesFoldersOfGuestsThatLeftButKeepsForeignOnes() throws {
        var state = try Fixture.synthetic(guests: 3)
        let dir = Fixture.tempDir("stale")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try ArtefactWriter.write(state: state, projectSecret: Fixture.secret, to: dir)
        try FileManager.default.createDirectory(atPath: dir + "/notes", withIntermediateDirectories: true)
        try "mine".write(toFile: dir + "/notes/todo.txt", atomically: false, encoding: .utf8)
        try "x".write(toFile: dir + "/README", atomically: false, encoding: .utf8)

        state.guests.removeLast()
        let summary = try ArtefactWriter.write(state: state, projectSecret: Fixture.secret, to: dir)
        #expect(summary.removedFolders == ["svc0-1"])
        #expect(summary.foreignFolders == ["notes"])
        #expect(!FileManager.default.fileExists(atPath: dir + "/svc0-1"))
        #expect(FileManager.default.fileExists(atPath: dir + "/notes/todo.txt"))
        #expect(FileManager.default.fileExists(atPath: dir + "/README"))
    }

    @Test func missingFilesFailWithEveryGuestAndPathNamed() throws {
        var state = try Fixture.synthetic(guests: 3)
        state.guests[1].files = [.init(source: "/nonexistent/site", destination: "/srv/site")]
        let dir = Fixture.tempDir("fail")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let one = #expect(throws: TBError.self) {
            try ArtefactWriter.write(state: state, projectSecret: Fixture.secret, to: dir)
        }
        #expect(one?.code == .notFound)
        #expect(one?.description == "guest svc0-0: /nonexistent/site does not exist")

        state.guests[2].files = state.guests[1].files
        let two = #expect(throws: TBError.self) {
            try ArtefactWriter.write(state: state, projectSecret: Fixture.secret, to: dir)
        }
        #expect(two?.message == "artefacts failed for 2 guests")
        #expect(two?.description.contains("guest svc0-0: /nonexistent/site") == true)
        #expect(two?.description.contains("guest svc0-1: /nonexistent/site") == true)
    }

    @Test func extraUserDataGoesThroughTheGivenReaderOncePerFile() throws {
        var state = try Fixture.synthetic(guests: 3)
        for i in state.guests.indices { state.guests[i].userData = "/srv/lab/extra.yaml" }
        let dir = Fixture.tempDir("extra")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let refused = #expect(throws: TBError.self) {
            try ArtefactWriter.write(state: state, projectSecret: Fixture.secret, to: dir)
        }
        #expect(refused?.code == .unsupported)

        let calls = Locked(0)
        _ = try ArtefactWriter.write(state: state, projectSecret: Fixture.secret, to: dir) { path in
            calls.withLock { $0 += 1 }
            #expect(path == "/srv/lab/extra.yaml")
            return ["packages": ["curl"]]
        }
        #expect(calls.current == 1)
        let userData = try String(contentsOfFile: dir + "/svc0-0/user-data", encoding: .utf8)
        #expect(userData.hasSuffix("packages:\n  - curl\n"))
    }

    @Test(.enabled(if: Fixture.tool("xorriso"))) func theSeedHoldsTheWrittenFiles() async throws {
        let state = try Fixture.synthetic(guests: 2)
        let dir = Fixture.tempDir("seed")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try ArtefactWriter.write(state: state, projectSecret: Fixture.secret, to: dir)
        let g = dir + "/svc0-0"
        try await Fixture.run(["xorriso", "-osirrox", "on", "-indev", g + "/seed.iso", "-extract", "/", g + "/x"])
        for name in ["meta-data", "user-data", "network-config"] {
            #expect(FileManager.default.contents(atPath: g + "/x/" + name) == FileManager.default.contents(atPath: g + "/" + name))
        }
    }

    /// Not a pass/fail limit: prints the time for the report (bench/run.sh is the benchmark of
    /// record). Opt-in with TBCTL_ARTEFACTS_BENCH=1, as it writes 5,000 files.
    /// TBCTL_BENCH_DIR puts the output elsewhere (e.g. /dev/shm, to leave the disk out).
    @Test(.enabled(if: ProcessInfo.processInfo.environment["TBCTL_ARTEFACTS_BENCH"] != nil))
    func benchmarkThousandGuests() throws {
        let dir = Fixture.tempDir("bench")
        let out = ProcessInfo.processInfo.environment["TBCTL_BENCH_DIR"].map { $0 + "/tbctl-bench-out" } ?? dir + "/out"
        defer { try? FileManager.default.removeItem(atPath: out) }
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/src/site/img", withIntermediateDirectories: true)
        try String(repeating: "<p>hello</p>\n", count: 200).write(toFile: dir + "/src/site/index.html", atomically: false, encoding: .utf8)
        try Data(repeating: 0xAB, count: 4096).write(to: URL(fileURLWithPath: dir + "/src/site/img/logo.png"))
        let state = try Fixture.synthetic(guests: 1000, files: [.init(source: dir + "/src/site", destination: "/srv/site")])
        let report = try ArtefactBenchmark.run(state: state, projectSecret: Fixture.secret, dir: out)
        print(report)
        #expect(report.first.filesWritten == 5000)
        #expect(report.second.filesWritten == 0)
    }
}
