import ComposeModel
import Testing
import Core
import YAML
@testable import Compose

@Suite struct ReportingTests {
    @Test func severalErrorsAreReportedTogetherInFileOrder() throws {
        let f = try Fixture()
        try f.write("demo.qcow2")
        let errors = f.errors("""
        guests:
          web: {image: nope, cpus: 0}
        networks:
          lan: {subnet: 10.0.0.1/24}
        images:
          demo: {source: ./demo.qcow2, sha256: abc}
        colour: blue
        """)
        #expect(errors == [
            "2:16 guests.web.image: unknown image `nope` (defined: demo)",
            "2:28 guests.web.cpus: must be at least 1, got 0",
            "4:17 networks.lan.subnet: subnet `10.0.0.1/24` has host bits set; did you mean `10.0.0.0/24`?",
            "6:40 images.demo.sha256: invalid sha256 `abc`: expected 64 hex digits",
            "7:1 colour: unknown key `colour`",
        ])
    }

    @Test func errorTextNamesFileLineColumnAndKeyPath() throws {
        let f = try Fixture()
        do {
            _ = try f.load("guests:\n  web: {image: x}\n")
            Issue.record("expected an error")
        } catch let e as ComposeError {
            #expect(e.description == "\(f.composePath):2:16: error: unknown image `x`: no images are defined (at guests.web.image)")
            #expect(e.asTBError.code == .invalidInput)
            #expect(e.asTBError.message.hasPrefix("1 error in the compose file:\n"))
        }
    }

    @Test func yamlErrorsOfTheComposeFileAreDiagnostics() throws {
        let f = try Fixture()
        #expect(f.errors("guests:\n  web: {image: x\n") ==
                ["3:1 : did not find expected ',' or '}' (while parsing a flow mapping at line 2, column 8)"])
        #expect(f.errors("a: 1\n---\nb: 2\n") == ["2:1 : only one YAML document is allowed here; found a second one (`---`)"])
        #expect(f.errors("") == ["1:1 : the document is empty: expected a mapping"])
        #expect(f.errors("- web\n") == ["1:1 : the document must be a mapping (key: value), not a list"])
        #expect(f.errors("guests: {}\nguests: {}\n") == ["2:1 : duplicate key `guests` (first defined at line 1, column 1)"])
    }

    @Test func missingComposeFile() throws {
        let f = try Fixture()
        #expect(throws: ComposeError.self) { try ComposeLoader.load(path: f.dir + "/none.yaml", home: f.home) }
    }

    @Test func loadFromTextUsesThePathForMarksAndFolder() throws {
        let f = try Fixture()
        try f.write("demo.qcow2")
        let c = try ComposeLoader.load(text: minimalImage + "guests:\n  a: {image: demo}\n", path: f.dir + "/virtual.yaml", home: f.home)
        #expect(c.images[0].source == f.dir + "/demo.qcow2")
        #expect(c.guests[0].mark == Mark(file: f.dir + "/virtual.yaml", line: 4, column: 3))
    }

    @Test func anchorsAndMergeKeysFeedTheDecoder() throws {
        let f = try Fixture()
        try f.write("demo.qcow2")
        let c = try f.load(minimalImage + """
        x-guest: &guest {image: demo, memory: 256, networks: [lan]}
        networks: {lan: {subnet: 10.0.0.0/24}}
        guests:
          a: {<<: *guest, cpus: 2}
          b: {<<: *guest, memory: 128}
        """)
        #expect(c.guests.map(\.memoryMiB) == [256, 128])
        #expect(c.guests.map(\.cpus) == [2, 1])
        #expect(c.guests[1].networks.map(\.network) == ["lan"])
    }

    @Test func suggestions() {
        #expect(Suggestions.closest(to: "imgae", among: ["image", "cpus"]) == "image")
        #expect(Suggestions.closest(to: "Memory", among: ["memory"]) == "memory")
        #expect(Suggestions.closest(to: "xyz", among: ["image"]) == nil)
        #expect(Suggestions.closest(to: "os", among: ["ip"]) == nil)
        #expect(Suggestions.distance("kitten", "sitting") == 3)
    }
}
