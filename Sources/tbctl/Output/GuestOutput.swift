import Apply
import Core

/// Where guests' output goes: printed as it comes (text), or kept per guest for the JSON document.
enum OutputSink: Sendable {
    case printed(GuestOutputPrinter)
    case captured(CapturedOutput)

    func write(_ guest: String, _ stream: StdStream, _ bytes: [UInt8]) {
        switch self {
        case .printed(let p): p.write(guest, stream, bytes)
        case .captured(let c): c.append(guest, stream, bytes)
        }
    }
}

/// Each guest's stdout and stderr, whole, for `exec --format json`.
final class CapturedOutput: Sendable {
    private struct Key: Hashable { var guest: String; var stderr: Bool }
    private let bytes = Locked([Key: [UInt8]]())

    func append(_ guest: String, _ stream: StdStream, _ chunk: [UInt8]) {
        bytes.withLock { $0[Key(guest: guest, stderr: stream == .stderr), default: []] += chunk }
    }

    /// As UTF-8 text (bytes that are not UTF-8 become U+FFFD).
    func text(_ guest: String, _ stream: StdStream) -> String {
        String(decoding: bytes.current[Key(guest: guest, stderr: stream == .stderr)] ?? [], as: UTF8.self)
    }
}
