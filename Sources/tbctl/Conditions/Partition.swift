import Apply
import ArgumentParser
import Conditions
import Core

struct PartitionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "partition",
        abstract: "Cut the testbed's networks between two groups of guests; --heal removes every cut.",
        usage: """
            tbctl partition <group> <group>
            tbctl partition --heal
            """,
        discussion: """
            A group is a comma-separated list of guests, services (all their clones, also those \
            added later) and hosts (all their guests); write service:NAME, host:NAME or \
            guest:NAME where a name is ambiguous. Frames between the groups are dropped by Open \
            vSwitch on every network and host; traffic inside each group, and with guests in \
            neither group, goes on. Partitions add up until --heal. The management network is \
            not cut (tbctl reaches the guests through it). Kept in .testbed/conditions.json \
            like `link` (docs/conditions.md).

            Examples:
              tbctl partition main rack2               the guests of host main from those of rack2
              tbctl partition db web-0,web-1           db from two web clones
              tbctl partition service:db service:web
              tbctl partition --heal
            """)

    @OptionGroup var options: ProjectOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The two groups.") var groups: [String] = []
    @Flag(help: "Remove every partition.") var heal = false

    func validate() throws {
        if heal && !groups.isEmpty { throw ValidationError("--heal takes no groups: it removes every partition") }
        if !heal && groups.count != 2 { throw ValidationError("give two groups (or --heal), e.g. tbctl partition main rack2") }
    }

    func run() async throws {
        try await ConditionsCommand(options, command: "partition").perform(heal ? .heal : .partition(groups[0], groups[1]), output)
    }
}
