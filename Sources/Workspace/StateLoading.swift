import Core
import Foundation
import TestbedState

extension TestbedState {
    /// Reads and decodes a state file (the decoding itself is pure: TestbedState.decode).
    public static func load(from path: String) throws -> TestbedState {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TBError(.notFound, "no compiled testbed at \(path): run `tbctl generate-artefacts` first")
        }
        return try decode(data, path: path)
    }

    /// The state at `path`, or nil when there is none yet; an unreadable one throws.
    public static func loadIfPresent(from path: String) throws -> TestbedState? {
        FileManager.default.fileExists(atPath: path) ? try load(from: path) : nil
    }
}
