import Apply
import ArgumentParser
import Core
import Foundation
import TestbedState
import Workspace

struct Extend: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Give the testbed more time before `tbctl reap` may remove it.",
        discussion: """
            The new expiry is the current one (or now, if that is past) plus DURATION, recorded \
            on every host of the testbed. A testbed without a time to live gets one. The testbed \
            is the compose file's (-f), or --project's, found through the hosts' records.
            """)

    @OptionGroup var options: ProjectOptions
    @Option(help: ArgumentHelp("The testbed, by its exact name, instead of the compose file's.", valueName: "name"))
    var project: String?
    @OptionGroup var hostOptions: FleetHostOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: ArgumentHelp("How much longer: 30m, 2h, 1d, 1h30m.", valueName: "duration")) var duration: String

    /// `tbctl extend --format json` (docs/cli.md).
    struct Document: Encodable {
        var project: String
        var expires: Double
        var secondsLeft: Double
        var hosts: [String]
    }

    func run() async throws {
        let seconds: Int
        switch Lifetime.seconds(duration) {
        case .success(let s): seconds = s
        case .failure(let e): throw TBError(.invalidInput, "invalid duration `\(duration)`: \(e.message)")
        }
        let name = try project ?? Self.composeProject(options.file)
        let fleet = hostOptions.fleet
        let results = await fleet.survey(hostOptions.surveyed(compose: options.file))
        guard let record = Fleet.record(name, in: results) else {
            throw TBError(.notFound, "no host has a record of testbed \(name) (`tbctl ls` lists the testbeds; `tbctl up` records one)",
                          object: "testbed \(name)")
        }
        let t = now()
        let expires = max(record.expires ?? t, t) + Double(seconds)
        let failures = await fleet.setExpiry(record, expires: expires, on: record.hosts)
        let doc = Document(project: name, expires: expires, secondsLeft: expires - t, hosts: record.hosts.map(\.name))
        if !failures.isEmpty {
            throw TBError(.failed, "the new expiry could not be recorded on every host", problems: failures.sorted { $0.key < $1.key }.map(\.value))
        }
        try output.emit(doc) { print("testbed \(name) now expires in \(Lifetime.format(Int(expires - t)))") }
    }

    /// The project of the compiled compose file (its state), without compiling.
    static func composeProject(_ file: String) throws -> String {
        let state = Workspace(composeFile: file).stateFile
        guard let s = try? TestbedState.load(from: state) else {
            throw TBError(.invalidInput, "\(file) has no compiled testbed here (\(state)): give --project NAME", object: file)
        }
        return s.project
    }
}
