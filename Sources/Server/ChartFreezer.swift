/// Keeps a finished run's charts with its record: once a run the server saw is over, the
/// samples of its time window are saved through the run source, so reloading the page (or
/// restarting the server) shows them as they were, not a chart that goes on or is empty.
actor ChartFreezer {
    let runs: any RunSource
    private var frozen: Set<Int64> = []
    private var seenRunning: Set<Int64> = []

    init(runs: any RunSource) { self.runs = runs }

    func check(_ r: Reading, _ history: History) async {
        guard let list = try? await runs.runs() else { return }
        for run in list.prefix(20) {
            if !run.isFinished { seenRunning.insert(run.id); continue }
            guard seenRunning.contains(run.id), !frozen.contains(run.id), let end = run.endedAt else { continue }
            let window = history.window(from: run.startedAt, to: end)
            do {
                try await runs.saveCharts(run.id, ChartsView(interval: 0, guests: window).withInterval(history))
                frozen.insert(run.id)
                seenRunning.remove(run.id)
            } catch {}
        }
    }
}

extension ChartsView {
    /// The sampling interval, from the samples' spacing.
    func withInterval(_ h: History) -> ChartsView {
        var c = self
        if let s = guests.values.first, s.t.count > 1 { c.interval = (s.t.last! - s.t.first!) / Double(s.t.count - 1) }
        return c
    }
}
