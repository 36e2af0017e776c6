import Foundation
import TestbedState

/// Turns one scrape into metric families: libvirt's per-guest statistics under the exporters'
/// names, then tbctl's own. Pure: the same inputs give the same text.
public enum Collector {
    public static func families(state: TestbedState, observation: Observation, facts: TestbedFacts,
                                scrapeSeconds: Double) -> [MetricFamily] {
        LibvirtFamilies.build(observation, GuestIndex(state))
            + TbctlFamilies.build(observation, state, facts, scrapeSeconds: scrapeSeconds)
    }

    /// A guest's state in an observation: libvirt's state name, `undefined` when its host has
    /// no such domain, `unknown` when its host did not answer.
    public static func guestState(_ guest: TestbedState.Guest, in observation: Observation) -> String {
        TbctlFamilies.guestState(guest, in: observation)
    }

    /// The testbed network of each NIC of a guest's domain statistics (see GuestIndex).
    public static func network(of nic: DomainStats.NIC, guest: TestbedState.Guest, state: TestbedState) -> String {
        GuestIndex(state).network(of: nic, guest: guest)
    }
}
