import Core
import YAML

/// One problem in a scenario file (or in what it says about the testbed), where it is.
public struct Problem: Sendable, Equatable, CustomStringConvertible {
    public var mark: Mark?
    /// Where in the scenario, spelled the way a user looks for it: `stages[1].jobs[0].wait.port`.
    public var path: String
    public var message: String

    public init(mark: Mark?, path: String, message: String) {
        self.mark = mark; self.path = path; self.message = message
    }

    public var description: String {
        "\(mark.map { "\($0): " } ?? "")error: \(message)\(path.isEmpty ? "" : " (at \(path))")"
    }
}

/// Every problem of a scenario, found before anything runs, sorted by position.
public struct ScenarioError: Error, Sendable, CustomStringConvertible {
    public var problems: [Problem]
    public init(_ problems: [Problem]) { self.problems = Problems.sorted(problems) }
    public var description: String { problems.map(\.description).joined(separator: "\n") }
    public var asTBError: TBError {
        TBError(.invalidInput, "\(problems.count) error\(problems.count == 1 ? "" : "s") in the scenario:\n" + description)
    }
}

/// Collects problems as decoding and expansion go on: they never stop at the first one.
public final class Problems {
    private(set) public var all: [Problem] = []
    public init() {}

    public func add(_ mark: Mark?, _ path: Path, _ message: String) {
        all.append(Problem(mark: mark, path: path.description, message: message))
    }

    public var isEmpty: Bool { all.isEmpty }

    /// File order: line then column; problems without a place first.
    static func sorted(_ problems: [Problem]) -> [Problem] {
        problems.enumerated().sorted { a, b in
            let ka = key(a.element.mark), kb = key(b.element.mark)
            return ka != kb ? ka.lexicographicallyPrecedes(kb) : a.offset < b.offset
        }.map(\.element)
    }

    private static func key(_ m: Mark?) -> [Int] { m.map { [1, $0.line, $0.column] } ?? [0, 0, 0] }
}

/// Where a value sits in the scenario: `stages[0].jobs[2].run`.
public struct Path: Sendable, CustomStringConvertible {
    public private(set) var description: String
    public static let root = Path(description: "")

    public func key(_ k: String) -> Path {
        let plain = !k.isEmpty && k.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
        let part = plain ? k : "[\"\(k)\"]"
        if description.isEmpty { return Path(description: part) }
        return Path(description: description + (plain ? "." : "") + part)
    }

    public func index(_ i: Int) -> Path { Path(description: description + "[\(i)]") }
}
