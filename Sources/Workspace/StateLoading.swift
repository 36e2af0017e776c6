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
}
