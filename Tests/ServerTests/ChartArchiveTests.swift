import Core
import Foundation
import Server
import Testing

@Suite struct ChartArchiveTests {
    @Test func keepsARunsChartsAcrossInstances() throws {
        let dir = NSTemporaryDirectory() + "charts-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var series = GuestSeries()
        series.t = [1, 2, 3]; series.cpu = [10, nil, 30]; series.rx = [0, 100, 200]; series.tx = [nil, nil, 5]
        let charts = ChartsView(interval: 1, guests: ["a": series])
        #expect(try ChartArchive(directory: dir).load(7) == nil)
        try ChartArchive(directory: dir).save(7, charts)
        #expect(try ChartArchive(directory: dir).load(7) == charts)
        try "{".write(toFile: dir + "/run-8.json", atomically: true, encoding: .utf8)
        #expect(throws: TBError.self) { try ChartArchive(directory: dir).load(8) }
    }
}
