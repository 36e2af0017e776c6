import Core
import Foundation

extension TestbedState {
    /// Canonical JSON: sorted keys and stable formatting, so equal states give equal bytes.
    public func encoded() throws -> Data {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try enc.encode(self)
        data.append(0x0a)
        return data
    }

    public static func decode(_ data: Data, path: String = "state.json") throws -> TestbedState {
        struct Version: Decodable { var schemaVersion: Int }
        let version: Int
        do { version = try JSONDecoder().decode(Version.self, from: data).schemaVersion } catch {
            throw TBError(.invalidInput, "\(path) is not a tbctl state file", underlying: error)
        }
        guard version == currentSchemaVersion else {
            throw TBError(.invalidInput, "\(path) has schema version \(version); this tbctl reads \(currentSchemaVersion). Run `tbctl generate-artefacts` again.")
        }
        do { return try JSONDecoder().decode(TestbedState.self, from: data) } catch {
            throw TBError(.invalidInput, "\(path) is damaged", underlying: error)
        }
    }
}
