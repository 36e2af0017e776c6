import Core
import Foundation
import Project
import TestbedState
import Testing
import Workspace

/// A state.json that cannot be read stops every command with what is wrong and what to do;
/// compiling never starts afresh over it (guests would get other addresses, MACs and hosts).
@Suite struct StateFileTests {
    /// A compiled one-guest project in a temporary folder (a fake image: nothing is started).
    struct Lab {
        let dir: String
        var project: Project { Project(composeFile: dir + "/testbed.yaml") }
        var stateFile: String { project.workspace.stateFile }

        init() throws {
            dir = FileManager.default.temporaryDirectory.appendingPathComponent("tbctl-state-\(UUID().uuidString.prefix(8))").path
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try Data(repeating: 0, count: 1 << 16).write(to: URL(fileURLWithPath: dir + "/demo.img"))
            try """
                project: unitstate
                hosts:
                  main: {accel: tcg}
                images:
                  demo: demo.img
                guests:
                  solo: {image: demo}
                """.write(toFile: dir + "/testbed.yaml", atomically: true, encoding: .utf8)
            try project.generate()
        }

        func json() throws -> [String: Any] {
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: stateFile))) as! [String: Any]
        }

        func write(_ object: [String: Any]) throws {
            try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: stateFile))
        }

        /// The error every reader of the state gives, checked to be the same for load and compile,
        /// and that compiling left the file as it was.
        func error() throws -> TBError {
            let before = try Data(contentsOf: URL(fileURLWithPath: stateFile))
            let load = try #require(StateFileTests.throwing { _ = try TestbedState.load(from: stateFile) })
            let compile = try #require(StateFileTests.throwing { try project.generate() })
            #expect(compile.message == load.message)
            #expect(try Data(contentsOf: URL(fileURLWithPath: stateFile)) == before, "compiling must not replace it")
            #expect(project.compiledState() == nil)
            #expect(StateFileTests.throwing { _ = try project.currentState() }?.message == load.message)
            return load
        }

        func remove() { try? FileManager.default.removeItem(atPath: dir) }
    }

    static func throwing(_ body: () throws -> Void) -> TBError? {
        do { try body(); return nil } catch { return error as? TBError }
    }

    @Test func aDamagedFileSaysSoAndWhatToDo() throws {
        let lab = try Lab()
        defer { lab.remove() }
        let text = try String(contentsOfFile: lab.stateFile, encoding: .utf8)
        try String(text.prefix(text.count / 2)).write(toFile: lab.stateFile, atomically: true, encoding: .utf8)
        let e = try lab.error()
        #expect(e.code == .invalidInput && e.exitStatus == .usage)
        #expect(e.message.hasPrefix("\(lab.stateFile) is damaged (not valid JSON"), "\(e.message)")
        #expect(e.message.contains("Restore it from a backup or version control, or delete \(lab.stateFile)"), "\(e.message)")
        #expect(e.message.contains("other addresses, MACs and hosts"))
        #expect(e.underlying is DecodingError, "the decoding error itself is kept")
    }

    @Test func aMissingFieldIsNamedWithItsPath() throws {
        let lab = try Lab()
        defer { lab.remove() }
        var state = try lab.json()
        var guests = state["guests"] as! [[String: Any]]
        guests[0]["hostKey"] = nil
        state["guests"] = guests
        try lab.write(state)
        #expect(try lab.error().message.contains("is damaged (missing key `guests[0].hostKey`)"))

        state["guests"] = "solo"
        try lab.write(state)
        #expect(try lab.error().message.contains("is damaged (`guests` is not"))
    }

    @Test func aFileOfAnotherFormatNamesBothVersions() throws {
        let lab = try Lab()
        defer { lab.remove() }
        var state = try lab.json()
        state["schemaVersion"] = TestbedState.currentSchemaVersion + 1
        try lab.write(state)
        let newer = try lab.error()
        #expect(newer.message.contains("was written by a newer tbctl (state format 2; this tbctl reads format 1): use that tbctl, or delete"),
                "\(newer.message)")
        state["schemaVersion"] = 0
        try lab.write(state)
        #expect(try lab.error().message.contains("older state format 0 (this tbctl reads format 1): run `tbctl down --purge` with the tbctl that wrote it"))
        state["schemaVersion"] = nil
        try lab.write(state)
        #expect(try lab.error().message.contains("is damaged (missing key `schemaVersion`)"))
    }

    @Test func noFileIsAFreshStartAndAGoodOneIsKept() throws {
        let lab = try Lab()
        defer { lab.remove() }
        let first = try TestbedState.load(from: lab.stateFile)
        #expect(first.schemaVersion == TestbedState.currentSchemaVersion)
        #expect(try lab.project.generate() == first, "compiling again keeps addresses and MACs")
        try FileManager.default.removeItem(atPath: lab.stateFile)
        #expect(try TestbedState.loadIfPresent(from: lab.stateFile) == nil)
        #expect(Self.throwing { _ = try TestbedState.load(from: lab.stateFile) }?.code == .notFound)
    }
}
