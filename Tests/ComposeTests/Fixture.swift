import ComposeModel
import Foundation
import Testing
@testable import Compose

/// A compose project in a fresh temporary folder `<tmp>/composetest-<uuid>/lab`, with its own
/// HOME (`<tmp>/.../home`, holding ~/.ssh/id_ed25519). Removed when the test ends.
final class Fixture {
    let root: String
    let dir: String
    let home: String
    var composePath: String { dir + "/testbed.yaml" }

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("composetest-\(UUID().uuidString)").path
        dir = root + "/lab"
        home = root + "/home"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: home + "/.ssh", withIntermediateDirectories: true)
        try write(home + "/.ssh/id_ed25519", "key\n")
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    /// Writes a file; a relative name is inside the project folder. Returns its absolute path.
    @discardableResult
    func write(_ name: String, _ text: String = "#!/bin/sh\n") throws -> String {
        let path = name.hasPrefix("/") ? name : dir + "/" + name
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func folder(_ name: String) throws {
        try FileManager.default.createDirectory(atPath: dir + "/" + name, withIntermediateDirectories: true)
    }

    func load(_ yaml: String) throws -> ComposeFile {
        try write("testbed.yaml", yaml)
        return try ComposeLoader.load(path: composePath, home: home)
    }

    /// The diagnostics of a file that must not load, as "line:column path: message".
    func errors(_ yaml: String, sourceLocation: SourceLocation = #_sourceLocation) -> [String] {
        do {
            _ = try load(yaml)
            Issue.record("expected the compose file to be rejected", sourceLocation: sourceLocation)
        } catch let e as ComposeError {
            return e.diagnostics.map(format)
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        }
        return []
    }

    func format(_ d: Diagnostic) -> String {
        let file = d.mark.map { $0.file == composePath ? "" : $0.file.replacingOccurrences(of: dir + "/", with: "") + ":" } ?? ""
        let position = d.mark.map { "\(file)\($0.line):\($0.column) " } ?? ""
        return "\(position)\(d.path): \(d.message)"
    }
}

/// The smallest valid file: what most tests extend.
let minimalImage = """
images:
  demo: ./demo.qcow2

"""
