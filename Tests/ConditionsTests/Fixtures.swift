import ComposeModel
import Conditions
import Core
import TestbedState
import TestSupport

/// a (lan, dmz) and b (lan) on main; r (lan) on rack2; web-0, web-1 on rack2 (lan); c on main
/// with no testbed network.
enum Fixture {
    static let state: TestbedState = {
        var lab = Lab()
        lab.hosts.append(Lab.remote("rack2", "10.77.0.11"))
        lab.hosts[0] = HostSpec(name: "main", mark: nil, uri: nil, ssh: nil, identity: nil, tunnelIP: IPv4("10.77.0.1"),
                                accel: .tcg, datapath: .netdev, cpus: 4, memoryMiB: 8192)
        lab.guests = [Lab.guest("a", networks: ["lan", "dmz"], host: "main"), Lab.guest("b", host: "main"),
                      Lab.guest("r", host: "rack2"), Lab.guest("web", replicas: 2, host: "rack2"),
                      Lab.guest("c", networks: [], host: "main")]
        return try! lab.compile()
    }()

    static func mac(_ guest: String, _ network: String) -> String {
        state.guest(named: guest)!.nics.first { $0.network == network }!.mac
    }

    static func bridge(_ network: String) -> String { state.networks.first { $0.name == network }!.bridge }
}
