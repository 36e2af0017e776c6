import Metrics
import TestbedState

/// One sampling round: the state it was read against, what the hosts said, and each guest's
/// rates since the round before.
struct Reading: Sendable {
    struct Rate: Sendable, Equatable {
        var cpu: Double?
        var rx: Double?
        var tx: Double?
    }

    /// A guest's counters at one time, to take the next round's differences from.
    struct Totals: Sendable {
        var t: Double
        var cpu: Double?
        var rx: Double
        var tx: Double
    }

    var state: TestbedState
    var observation: Observation
    var rates: [String: Rate]
    var totals: [String: Totals]
    var scrapeSeconds: Double

    func stats(of g: TestbedState.Guest) -> DomainStats? { observation.domain(g.domain, on: g.host) }

    func guestState(_ g: TestbedState.Guest) -> String { Collector.guestState(g, in: observation) }

    /// Totals of this round and rates against `previous`. A counter that went down (the guest
    /// restarted) or a guest that is not running gives no rate.
    static func make(state: TestbedState, observation: Observation, previous: Reading?, scrapeSeconds: Double) -> Reading {
        var totals: [String: Totals] = [:], rates: [String: Rate] = [:]
        for g in state.guests {
            guard let d = observation.domain(g.domain, on: g.host), d.state == 1 || d.state == 2 else { continue }
            let now = Totals(t: observation.time, cpu: d.cpuTimeSeconds,
                             rx: d.nics.reduce(0) { $0 + ($1.rxBytes ?? 0) }, tx: d.nics.reduce(0) { $0 + ($1.txBytes ?? 0) })
            totals[g.name] = now
            guard let before = previous?.totals[g.name], now.t > before.t else { continue }
            let dt = now.t - before.t
            let rate = { (a: Double?, b: Double?) -> Double? in
                guard let a, let b, a >= b else { return nil }
                return (a - b) / dt
            }
            rates[g.name] = Rate(cpu: rate(now.cpu, before.cpu).map { $0 * 100 }, rx: rate(now.rx, before.rx), tx: rate(now.tx, before.tx))
        }
        return Reading(state: state, observation: observation, rates: rates, totals: totals, scrapeSeconds: scrapeSeconds)
    }
}
