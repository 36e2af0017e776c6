/// tbctl's version: this one place (`tbctl --version`, and the `version` key of JSON reports
/// that carry one). Bump it with each release; docs/cli.md says what the JSON contract
/// promises across versions.
enum Version {
    static let number = "0.5.0"
    static var description: String { "tbctl \(number)" }
}
