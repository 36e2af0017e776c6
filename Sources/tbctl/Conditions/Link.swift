import Apply
import ArgumentParser
import Conditions
import Core

struct Link: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Take a guest's NIC on a network down (no carrier) or up again.",
        discussion: """
            The guest sees its NIC lose carrier (libvirt's link state, as unplugging the cable \
            would): nothing crosses it either way until `up`. The condition is kept in \
            .testbed/conditions.json: `status` shows it, `up` and `snapshot restore` put it back \
            where it is missing, `down` removes it (docs/conditions.md).

            Examples:
              tbctl link web-0 lan down
              tbctl link web-0 lan up
            """)

    @OptionGroup var options: ProjectOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The guest.") var guest: String
    @Argument(help: "The network (not the management network).") var network: String
    @Argument(help: "down or up.") var state: String

    func validate() throws {
        guard ["down", "up"].contains(state) else { throw ValidationError("the link state is `down` or `up`, got `\(state)`") }
    }

    func run() async throws {
        try await ConditionsCommand(options, command: "link").perform(.link(guest: guest, network: network, up: state == "up"), output)
    }
}

/// Runs `body` with Ctrl-C cancelling it (see Interrupt) and hands back its result.
func withInterrupt<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
    let result = Locked<T?>(nil)
    try await Interrupt.cancellingOnSignal { let r = try await body(); result.withLock { $0 = r } }
    return result.current!
}
