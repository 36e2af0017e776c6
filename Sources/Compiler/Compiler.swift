import ComposeModel
import Core
import TestbedState

/// Compose model -> testbed state. Pure: no clock, no randomness, no host queries; every order
/// is derived from names, so equal inputs give byte-identical state.json.
public enum Compiler {
    public static func compile(_ input: CompileInput) throws -> TestbedState {
        var ctx = Context(input: input)
        try ctx.run()
        guard ctx.diagnostics.isEmpty else { throw ComposeError(ctx.diagnostics) }
        return ctx.state
    }
}

/// The compilation in progress: one stage per method, diagnostics collected, not thrown early.
struct Context {
    let input: CompileInput
    var c: ComposeFile { input.compose }
    var diagnostics: [Diagnostic] = []
    var state: TestbedState!
    /// The previous state's guests by name (the first of a name, as `TestbedState.guest(named:)`).
    let previousGuests: PreviousGuests

    init(input: CompileInput) {
        self.input = input
        self.previousGuests = PreviousGuests(input.previous)
    }

    mutating func run() throws {
        let all = Compiler.hosts(c, knownHosts: input.knownHostsFile)
        let hosts = input.local ? [all[0]] : all
        var instances = expand(c.guests, overrides: input.replicaOverrides)
        // Local mode: the pins name hosts this state does not have; every guest is on the master.
        if input.local { for i in instances.indices { instances[i].spec.host = nil } }
        diagnostics += checkNames(instances)
        var placement = Placement(hosts: hosts)
        // Into or out of local mode, the previous hosts say nothing about where guests go now.
        let sameMode = (input.previous?.isLocal ?? input.local) == input.local
        placement.place(instances, previous: sameMode ? previousGuests : PreviousGuests(nil))
        diagnostics += placement.diagnostics
        guard diagnostics.isEmpty else { return }

        let images = try images(instances, placement: placement.assigned)
        let services = try services(instances, images: images, placement: placement.assigned)
        var networks = networks(instances, hosts: hosts, placement: placement.assigned)
        let guests = try guests(instances, hosts: hosts, images: images, services: services,
                                networks: &networks, placement: placement.assigned)
        state = TestbedState(
            project: c.project, composeFile: c.path, composeDigest: input.composeDigest, user: c.user,
            sshPublicKey: input.projectKey.publicLine(comment: "tbctl-\(c.project)"),
            hosts: hosts, images: images, networks: networks,
            tunnels: Compiler.tunnels(networks, hosts: hosts, project: c.project),
            services: services, guests: guests)
        state.retiredHosts = Compiler.retiredHosts(previous: input.previous, current: hosts)
        state.ttl = c.ttl
        state.local = input.local ? true : nil
    }
}

extension Compiler {
    /// Hosts of the previous state (or still retired there) that the compose file no longer
    /// has: the project's objects on them are removed by the next `up` or `down`, which then
    /// forgets them. nil when there are none, so states without any keep their bytes.
    static func retiredHosts(previous: TestbedState?, current: [Host]) -> [Host]? {
        guard let previous else { return nil }
        let kept = Set(current.map(\.name))
        var out: [Host] = []
        for h in previous.hosts + (previous.retiredHosts ?? []) where !kept.contains(h.name) && !out.contains(where: { $0.name == h.name }) {
            out.append(h)
        }
        return out.isEmpty ? nil : out.sorted { $0.name < $1.name }
    }
}
