import Testing
@testable import Compose

@Suite struct GuestRulesTests {
    @Test func goldenOnlyWithReplicas() throws {
        let f = try Fixture()
        try f.write("demo.qcow2")
        try f.write("g.sh")
        #expect(f.errors(minimalImage + """
        guests:
          db:
            image: demo
            golden: {setup: g.sh}
        """) == ["6:5 guests.db.golden: `golden` is only for services: add `replicas:` or remove it"])
    }

    @Test func environmentNamesAndValues() throws {
        let f = try Fixture()
        try f.write("demo.qcow2")
        #expect(f.errors(minimalImage + """
        guests:
          db:
            image: demo
            env:
              1ST: a
              MY-VAR: b
              EMPTY:
              LIST: [1]
              OK_2: ""
        """) == [
            "7:7 guests.db.env.1ST: invalid variable name `1ST`: use letters, digits and '_', not starting with a digit",
            "8:7 guests.db.env.MY-VAR: invalid variable name `MY-VAR`: use letters, digits and '_', not starting with a digit",
            "9:13 guests.db.env.EMPTY: expected a value (a string or number), got null; write \"\" for an empty value",
            "10:13 guests.db.env.LIST: expected a value (a string or number), got a list",
        ])
    }

    @Test func imageNeedsASource() throws {
        let f = try Fixture()
        #expect(f.errors("""
        images:
          a: {sha256: 0000000000000000000000000000000000000000000000000000000000000000}
          b:
          c: ftp://example.org/c.qcow2
          d: "https://"
        """) == [
            "2:3 images.a: missing required key `source`",
            "3:3 images.b: missing required key `source`",
            "4:6 images.c: unsupported URL scheme `ftp`: use http://, https:// or a local path",
            "5:6 images.d: invalid URL `https://`: expected one like https://example.org/image.qcow2",
        ])
    }

    @Test func allDigitChecksumStaysText() throws {
        let f = try Fixture()
        let c = try f.load("images:\n  a: {source: http://x/a.img, sha256: \(String(repeating: "1", count: 64))}\n")
        #expect(c.images[0].sha256 == String(repeating: "1", count: 64))
    }
}
