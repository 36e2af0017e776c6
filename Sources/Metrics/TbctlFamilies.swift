import TestbedState

/// tbctl's own families: which hosts answered, guests by state, snapshots, runs, jobs and the
/// samples scenarios extract. All carry the `testbed` label.
enum TbctlFamilies {
    typealias L = MetricFamily.Label
    /// Every state a guest can be counted in, so each host has the same series in every scrape.
    static let guestStates = ["running", "paused", "shutdown", "shutoff", "crashed", "undefined", "unknown"]

    static func build(_ obs: Observation, _ state: TestbedState, _ facts: TestbedFacts, scrapeSeconds: Double) -> [MetricFamily] {
        var f = Families()
        let tb = L("testbed", state.project)
        for h in obs.hosts {
            f.add("tbctl_host_up", .gauge, "1 when the host's libvirt answered this scrape, 0 when it did not.",
                  [tb, L("host", h.name)], h.up ? 1 : 0)
            f.add("tbctl_host_scrape_duration_seconds", .gauge, "Time the host took to answer libvirt's bulk statistics call.",
                  [tb, L("host", h.name)], h.seconds)
        }
        for (host, counts) in guestCounts(obs, state) {
            for s in guestStates {
                f.add("tbctl_guests", .gauge,
                      "Guests of the testbed by host and state (undefined: no domain yet; unknown: the host did not answer).",
                      [tb, L("host", host), L("state", s)], Double(counts[s] ?? 0))
            }
        }
        f.add("tbctl_scrape_duration_seconds", .gauge, "Time this scrape of every host took.", [tb], scrapeSeconds)
        snapshots(facts, tb, &f)
        runs(facts, tb, &f)
        return f.all
    }

    /// Each guest's state as the page and `status` show it, from one observation.
    static func guestState(_ g: TestbedState.Guest, in obs: Observation) -> String {
        guard let host = obs.host(g.host), host.up else { return "unknown" }
        return obs.domain(g.domain, on: g.host)?.stateName ?? "undefined"
    }

    private static func guestCounts(_ obs: Observation, _ state: TestbedState) -> [(String, [String: Int])] {
        state.hosts.map { h in
            var counts: [String: Int] = [:]
            for g in state.userGuests where g.host == h.name { counts[guestState(g, in: obs), default: 0] += 1 }
            return (h.name, counts)
        }
    }

    private static func snapshots(_ facts: TestbedFacts, _ tb: L, _ f: inout Families) {
        f.add("tbctl_snapshots", .gauge, "Snapshots the testbed has (tbctl snapshot list).", [tb], Double(facts.snapshots.count))
        for s in facts.snapshots {
            let l = [tb, L("snapshot", s.name), L("kind", s.kind)]
            f.add("tbctl_snapshot_created_timestamp_seconds", .gauge, "When the snapshot was taken, seconds since the epoch.", l, s.created)
            f.add("tbctl_snapshot_guests", .gauge, "Guests the snapshot covers.", l, Double(s.guests))
        }
    }

    private static func runs(_ facts: TestbedFacts, _ tb: L, _ f: inout Families) {
        var byStatus: [String: Int] = [:]
        for r in facts.runs { byStatus[r.status, default: 0] += 1 }
        for (status, n) in byStatus.sorted(by: { $0.key < $1.key }) {
            f.add("tbctl_runs", .gauge, "Scenario runs recorded, by status.", [tb, L("status", status)], Double(n))
        }
        for r in facts.runs {
            f.add("tbctl_run_duration_seconds", .gauge, "How long the run took (so far, for a run that goes on).",
                  [tb, L("run", r.id), L("scenario", r.scenario), L("status", r.status)], r.duration)
        }
        var jobsByStatus: [String: Int] = [:]
        for j in facts.jobs { jobsByStatus[j.status, default: 0] += 1 }
        for (status, n) in jobsByStatus.sorted(by: { $0.key < $1.key }) {
            f.add("tbctl_jobs", .gauge, "Jobs of recorded runs (one per guest a job ran on), by status.", [tb, L("status", status)], Double(n))
        }
        jobDurations(facts.jobs, tb, &f)
        for s in facts.samples {
            f.add("tbctl_scenario_sample", .gauge, "The latest value a scenario's `metrics:` pattern extracted from a job's output.",
                  [tb, L("run", s.run), L("scenario", s.scenario), L("metric", s.metric), L("job", s.job), L("guest", s.guest)], s.value)
        }
    }

    /// A summary per run, stage and job: the sum and count of its finished guests' durations.
    private static func jobDurations(_ jobs: [TestbedFacts.Job], _ tb: L, _ f: inout Families) {
        var keys: [[String]] = []
        var sums: [[String]: (Double, Int)] = [:]
        for j in jobs {
            guard let d = j.duration else { continue }
            let k = [j.run, j.stage, j.job]
            if sums[k] == nil { keys.append(k) }
            let (s, n) = sums[k] ?? (0, 0)
            sums[k] = (s + d, n + 1)
        }
        let help = "Durations of a job's runs on its guests: _sum in seconds and _count."
        f.add("tbctl_job_duration_seconds", .summary, help, [], nil)
        for k in keys {
            let l = [tb, L("run", k[0]), L("stage", k[1]), L("job", k[2])]
            let (s, n) = sums[k]!
            f.add("tbctl_job_duration_seconds", .summary, help, l, s, suffix: "_sum")
            f.add("tbctl_job_duration_seconds", .summary, help, l, Double(n), suffix: "_count")
        }
    }
}
