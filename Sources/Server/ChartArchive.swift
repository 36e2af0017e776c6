import Core
import Foundation

/// Frozen charts of finished runs, one JSON file per run (`.testbed/charts/run-<id>.json`
/// beside the run records), written atomically: a run's page shows them as they were, after a
/// reload or a restart of the server.
public struct ChartArchive: Sendable {
    public let directory: String

    public init(directory: String) { self.directory = directory }

    public func save(_ id: Int64, _ charts: ChartsView) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            try encoder.encode(charts).write(to: URL(fileURLWithPath: file(id)), options: .atomic)
        } catch {
            throw TBError(.io, "cannot keep the charts of run \(id) in \(file(id))", underlying: error)
        }
    }

    /// The run's charts, or nil when none were kept.
    public func load(_ id: Int64) throws -> ChartsView? {
        guard let data = FileManager.default.contents(atPath: file(id)) else { return nil }
        do { return try JSONDecoder().decode(ChartsView.self, from: data) } catch {
            throw TBError(.io, "\(file(id)) is damaged", underlying: error)
        }
    }

    func file(_ id: Int64) -> String { directory + "/run-\(id).json" }
}
