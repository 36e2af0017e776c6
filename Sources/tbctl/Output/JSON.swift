import Foundation

/// A JSON document on stdout: sorted keys, pretty-printed, stable for scripts and diffs.
func printJSON<T: Encodable>(_ value: T) throws {
    let enc = JSONEncoder()
    enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try enc.encode(value), as: UTF8.self))
}

/// One line of JSON (an error on stderr is the last line there, however much came before).
func jsonLine<T: Encodable>(_ value: T) -> String {
    let enc = JSONEncoder()
    enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return (try? enc.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? #"{"error":{"code":"internalError","exitStatus":70,"message":"cannot encode the error"}}"#
}
