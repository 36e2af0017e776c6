import Apply
import ArgumentParser
import Conditions
import Core

struct Impair: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Add delay, jitter, loss, a rate limit, duplication or corruption to a guest's NIC, or to a network between two hosts.",
        usage: """
            tbctl impair <guest>[:<network>] [--delay <t>] [--jitter <t>] [--loss <p>] [--rate <r>] [--duplicate <p>] [--corrupt <p>] [--direction out|in|both]
            tbctl impair <network> --between <host>,<host> [values] [--direction out|in|both]
            tbctl impair --clear (<guest>[:<network>] | <network> --between <host>,<host> | --all) [--direction ...]
            """,
        discussion: """
            netem(8) in the guest's kernel, on its NIC: `out` (the default) is what the guest \
            sends, `in` what it receives, `both` both, each direction getting the full values \
            (so `--delay 50ms --direction both` adds 100 ms to a round trip). A network between \
            two hosts: the network's guests on the first host get it for what they send to its \
            guests on the second (`out`), and the reverse for `in`. Values add to what the target \
            already has; 0 removes one (`--delay 0`). The guests need iproute2's tc and the \
            sch_netem module (Debian cloud images and the demo image have them). Kept in \
            .testbed/conditions.json like `link` (docs/conditions.md).

            Values: times 100ms, 1.5s, 250us; percentages 30%, 0.5%; rates 500kbit, 10mbit, 1gbit.

            Examples:
              tbctl impair web-0 --delay 100ms --jitter 10ms
              tbctl impair web-0:lan --loss 5% --direction both
              tbctl impair lan --between main,rack2 --delay 20ms --rate 100mbit
              tbctl impair --clear web-0
              tbctl impair --clear --all
            """)

    @OptionGroup var options: ProjectOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: ArgumentHelp("GUEST[:NETWORK], or NETWORK with --between.", valueName: "target")) var target: String?
    @Option(help: ArgumentHelp("Two hosts, A,B: impair NETWORK between the guests on A and those on B.", valueName: "A,B"))
    var between: String?
    @Option(help: ArgumentHelp("Added delay (100ms).", valueName: "time")) var delay: String?
    @Option(help: ArgumentHelp("Delay varies by up to this much either way (10ms).", valueName: "time")) var jitter: String?
    @Option(help: ArgumentHelp("Packets dropped (30%).", valueName: "percent")) var loss: String?
    @Option(help: ArgumentHelp("Rate limit, shaped (1mbit).", valueName: "rate")) var rate: String?
    @Option(help: ArgumentHelp("Packets sent twice (1%).", valueName: "percent")) var duplicate: String?
    @Option(help: ArgumentHelp("Packets with a flipped bit (0.1%).", valueName: "percent")) var corrupt: String?
    @Option(help: "out (what the guest sends; the default), in (what it receives) or both.") var direction: String = "out"
    @Flag(help: "Remove the target's impairments (in the --direction given, else both; --all: every one, both ways).") var clear = false
    @Flag(help: "With --clear: every impairment of the testbed.") var all = false
    /// Whether --direction was given (--clear without it clears both directions).
    var directionGiven: Bool { CommandLine.arguments.contains { $0 == "--direction" || $0.hasPrefix("--direction=") } }

    func validate() throws {
        guard Direction(rawValue: direction) != nil else { throw ValidationError("--direction is out, in or both, got `\(direction)`") }
        let values = [delay, jitter, loss, rate, duplicate, corrupt].contains { $0 != nil }
        if clear {
            if values { throw ValidationError("--clear takes no values: it removes the target's impairments") }
            if all == (target != nil) { throw ValidationError("--clear needs a target or --all (not both)") }
        } else {
            if all { throw ValidationError("--all goes with --clear") }
            if target == nil { throw ValidationError("name a target: GUEST[:NETWORK], or NETWORK with --between A,B") }
            if !values { throw ValidationError("give at least one of --delay, --jitter, --loss, --rate, --duplicate, --corrupt") }
        }
    }

    var values: ImpairValues {
        ImpairValues(delay: delay, jitter: jitter, loss: loss, rate: rate, duplicate: duplicate, corrupt: corrupt)
    }

    var request: ConditionRequest {
        let impairTarget = target.map { t in between.map { ImpairTarget.path(network: t, between: $0) } ?? .nic(t) }
        let dir = Direction(rawValue: direction)!
        if clear { return .clear(all ? nil : impairTarget, directionGiven ? dir : nil) }
        return .impair(impairTarget!, values, dir)
    }

    func run() async throws {
        try await ConditionsCommand(options, command: "impair").perform(request, output)
    }
}
