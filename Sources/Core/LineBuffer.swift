/// Streamed output cut into whole lines: bytes arrive in chunks that end anywhere, and a line
/// is only shown (or matched, or logged) once its newline has come.
public struct LineBuffer: Sendable {
    private var pending: [UInt8] = []

    public init() {}

    public var isEmpty: Bool { pending.isEmpty }

    /// The lines `bytes` completes, without their newlines; the rest waits.
    public mutating func lines(adding bytes: [UInt8]) -> [String] {
        pending += bytes
        var out: [String] = []
        var start = pending.startIndex
        while let nl = pending[start...].firstIndex(of: 0x0a) {
            out.append(String(decoding: pending[start..<nl], as: UTF8.self))
            start = nl + 1
        }
        pending.removeSubrange(..<start)
        return out
    }

    /// What is left without a final newline (nil when nothing is), and empties the buffer.
    public mutating func rest() -> String? {
        defer { pending = [] }
        return pending.isEmpty ? nil : String(decoding: pending, as: UTF8.self)
    }
}
