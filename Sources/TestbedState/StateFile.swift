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

    /// Reads a state file. A file that cannot be read (damaged, or written by a tbctl with
    /// another state format) stops with what is wrong and what to do: never a silent fresh
    /// start, which would hand guests other addresses, MACs and hosts.
    public static func decode(_ data: Data, path: String = "state.json") throws -> TestbedState {
        struct Version: Decodable { var schemaVersion: Int }
        let version: Int
        do { version = try JSONDecoder().decode(Version.self, from: data).schemaVersion } catch {
            throw StateFileError.damaged(path, error)
        }
        guard version == currentSchemaVersion else { throw StateFileError.otherVersion(path, version) }
        do { return try JSONDecoder().decode(TestbedState.self, from: data) } catch {
            throw StateFileError.damaged(path, error)
        }
    }
}

/// Why a state file cannot be used, and the ways out (docs/state-json.md, "When state.json
/// cannot be read").
enum StateFileError {
    static func damaged(_ path: String, _ error: any Error) -> TBError {
        // The decoding error is kept (`underlying`); its text is in the message, in words.
        var e = TBError(.invalidInput, "\(path) is damaged (\(DecodingProblem.describe(error))). " + remedy(path), underlying: error)
        e.cause = nil
        return e
    }

    static func otherVersion(_ path: String, _ version: Int) -> TBError {
        let current = TestbedState.currentSchemaVersion
        let who = version > current
            ? "was written by a newer tbctl (state format \(version); this tbctl reads format \(current)): use that tbctl, or"
            : "is in the older state format \(version) (this tbctl reads format \(current)): run `tbctl down --purge` with the tbctl that wrote it, or"
        return TBError(.invalidInput, "\(path) \(who) " + remedy(path, restore: false))
    }

    /// The ways out. Deleting the file is last: the testbed is then compiled afresh and its
    /// guests may get other addresses, MACs and hosts (`up` changes the running ones to match).
    static func remedy(_ path: String, restore: Bool = true) -> String {
        (restore ? "Restore it from a backup or version control, or " : "")
            + "delete \(path) to compile the testbed afresh: guests may then get other addresses, MACs and hosts."
    }
}

/// A JSON decoding error in words, with the key path it happened at.
public enum DecodingProblem {
    public static func describe(_ error: any Error) -> String {
        guard let e = error as? DecodingError else { return String(describing: error) }
        switch e {
        case .keyNotFound(let key, let c): return "missing key `\(path(c.codingPath + [key]))`"
        case .valueNotFound(_, let c): return "`\(path(c.codingPath))` is null"
        case .typeMismatch(let type, let c): return "`\(path(c.codingPath))` is not \(article(type))"
        case .dataCorrupted(let c):
            // Foundation says no more than "The given data was not valid JSON." here.
            let detail = (c.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
            if c.codingPath.isEmpty { return "not valid JSON" + (detail.map { ": \($0)" } ?? "") }
            return "`\(path(c.codingPath))`: \(detail ?? c.debugDescription)"
        @unknown default: return String(describing: e)
        }
    }

    static func path(_ keys: [any CodingKey]) -> String {
        var out = ""
        for k in keys {
            if let i = k.intValue { out += "[\(i)]" } else { out += out.isEmpty ? k.stringValue : "." + k.stringValue }
        }
        return out.isEmpty ? "(top level)" : out
    }

    static func article(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type, is Int32.Type, is UInt16.Type: "an integer"
        case is Bool.Type: "true or false"
        case is Double.Type: "a number"
        default: "a \(type)".replacingOccurrences(of: "Dictionary<String, Any>", with: "JSON object")
        }
    }
}
