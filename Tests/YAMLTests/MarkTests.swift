import Core
import Testing
@testable import YAML

@Suite struct MarkTests {
    @Test func nestedNodesKeepTheirMarks() throws {
        let root = try parse("""
        top:
          list:
            - a
            - {k: v}
          "quoted": 'x'
        """)
        #expect(root.mark == at(1, 1))
        let top = try #require(root.mapping?.first)
        #expect(top.key.mark == at(1, 1))
        #expect(top.value.mark == at(2, 3))
        let list = try #require(top.value["list"]?.sequence)
        #expect(list[0].mark == at(3, 7))
        #expect(list[1].mark == at(4, 7))
        let flow = try #require(list[1].mapping?.first)
        #expect(flow.key.mark == at(4, 8))
        #expect(flow.value.mark == at(4, 11))
        let quoted = try #require(top.value.mapping?.last)
        #expect(quoted.key.mark == at(5, 3))
        #expect(quoted.value.mark == at(5, 13))
    }

    @Test func fileNameIsKeptInMarks() throws {
        let root = try YAMLReader.read(text: "a: 1\n", file: "/x/testbed.yaml")
        #expect(root["a"]?.mark.description == "/x/testbed.yaml:1:4")
    }

    @Test func readsAFile() throws {
        let dir = try TempDir()
        let path = try dir.write("f.yaml", "a:\n  b: 2\n")
        let root = try YAMLReader.read(path: path, displayName: "f.yaml")
        #expect(root["a"]?["b"]?.int == 2)
        #expect(root["a"]?["b"]?.mark == Mark(file: "f.yaml", line: 2, column: 6))
    }
}
