import Testing
@testable import YAML

@Suite struct ErrorTests {
    @Test func duplicateKeyIsReportedAtTheSecond() {
        #expect(issues("a: 1\nb: 2\na: 3\n") ==
                [.init(mark: at(3, 1), message: "duplicate key `a` (first defined at line 1, column 1)")])
    }

    @Test func allDuplicatesAreReported() {
        let found = issues("a:\n  x: 1\n  x: 2\nb: {y: 1, y: 2}\n")
        #expect(found.map(\.mark) == [at(3, 3), at(4, 11)])
    }

    @Test func parseErrorHasLibyamlsTextAndPosition() {
        let found = issues("a: 1\nb: [1, 2\nc: 3\n")
        #expect(found.count == 1)
        #expect(found.first?.mark == at(3, 2))
        #expect(found.first?.message == "did not find expected ',' or ']' (while parsing a flow sequence at line 2, column 4)")
    }

    @Test func badIndentationIsLocated() {
        let found = issues("a:\n  b: 1\n c: 2\n")
        #expect(found.first?.mark == at(3, 2))
        #expect(found.first?.message.hasPrefix("did not find expected key") == true)
    }

    @Test func tabIndentationIsLocated() {
        let found = issues("a:\n\tb: 1\n")
        #expect(found.first?.mark == at(2, 1))
    }

    @Test func multiDocumentStreamIsAnError() {
        #expect(issues("a: 1\n---\nb: 2\n") ==
                [.init(mark: at(2, 1), message: "only one YAML document is allowed here; found a second one (`---`)")])
    }

    @Test func emptyDocumentsAreErrors() {
        #expect(issues("").first?.message == "the document is empty: expected a mapping")
        #expect(issues("# only a comment\n").first?.message == "the document is empty: expected a mapping")
        #expect(issues("---\n").first?.message == "the document is empty: expected a mapping")
    }

    @Test func rootMustBeAMapping() {
        #expect(issues("- a\n- b\n") == [.init(mark: at(1, 1), message: "the document must be a mapping (key: value), not a list")])
        #expect(issues("just text\n") == [.init(mark: at(1, 1), message: "the document must be a mapping (key: value), not a scalar")])
    }

    @Test func unknownTagIsAnError() {
        #expect(issues("a: !secret x\n") == [.init(mark: at(1, 4), message: "unsupported tag `!secret` (only the core schema tags are understood)")])
    }

    @Test func tagThatDoesNotFitIsAnError() {
        #expect(issues("a: !!int x1\n") == [.init(mark: at(1, 4), message: "`x1` is not an integer (tagged !!int)")])
    }

    @Test func unreadableFileIsAnIOError() {
        #expect(throws: (any Error).self) { try YAMLReader.read(path: "/nonexistent/\(#line).yaml") }
    }
}
