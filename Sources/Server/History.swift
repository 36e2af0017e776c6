/// The last `capacity` samples of each guest's CPU and traffic, for the page's charts: a page
/// opened (or reloaded) mid-experiment gets what happened so far, not an empty chart.
struct History: Sendable {
    let capacity: Int
    private(set) var guests: [String: GuestSeries] = [:]

    init(capacity: Int) { self.capacity = capacity }

    mutating func add(_ r: Reading) {
        let names = Set(r.state.userGuests.map(\.name))
        guests = guests.filter { names.contains($0.key) }
        for name in names.sorted() {
            var s = guests[name] ?? GuestSeries()
            let rate = r.rates[name]
            s.t.append(r.observation.time); s.cpu.append(rate?.cpu); s.rx.append(rate?.rx); s.tx.append(rate?.tx)
            if s.t.count > capacity {
                let drop = s.t.count - capacity
                s.t.removeFirst(drop); s.cpu.removeFirst(drop); s.rx.removeFirst(drop); s.tx.removeFirst(drop)
            }
            guests[name] = s
        }
    }

    /// The samples between two times (a run's), for freezing with its record.
    func window(from start: Double, to end: Double) -> [String: GuestSeries] {
        guests.mapValues { s in
            var out = GuestSeries()
            for i in s.t.indices where s.t[i] >= start && s.t[i] <= end {
                out.t.append(s.t[i]); out.cpu.append(s.cpu[i]); out.rx.append(s.rx[i]); out.tx.append(s.tx[i])
            }
            return out
        }.filter { !$0.value.t.isEmpty }
    }
}
