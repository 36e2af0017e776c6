import Testing
@testable import YAML

@Suite struct ScalarTests {
    private func resolve(_ yaml: String) throws -> ScalarValue? {
        try parse("v: \(yaml)\n")["v"]?.value
    }

    @Test(arguments: ["", "~", "null", "Null", "NULL"])
    func nulls(_ s: String) throws { #expect(try resolve(s) == .null) }

    @Test func booleans() throws {
        for s in ["true", "True", "TRUE"] { #expect(try resolve(s) == .bool(true)) }
        for s in ["false", "False", "FALSE"] { #expect(try resolve(s) == .bool(false)) }
        // YAML 1.1 booleans are strings in the 1.2 core schema.
        for s in ["yes", "no", "on", "off", "y"] { #expect(try resolve(s) == .string(s)) }
    }

    @Test func integers() throws {
        #expect(try resolve("42") == .int(42))
        #expect(try resolve("-7") == .int(-7))
        #expect(try resolve("+3") == .int(3))
        #expect(try resolve("0o17") == .int(15))
        #expect(try resolve("0x1F") == .int(31))
        #expect(try resolve("0777") == .int(777))
        #expect(try resolve("1_000") == .string("1_000"))
    }

    @Test func floats() throws {
        #expect(try resolve("1.5") == .float(1.5))
        #expect(try resolve("-.5") == .float(-0.5))
        #expect(try resolve("1e3") == .float(1000))
        #expect(try resolve("2.") == .float(2))
        #expect(try resolve(".inf") == .float(.infinity))
        #expect(try resolve("-.Inf") == .float(-.infinity))
        guard case .float(let nan)? = try resolve(".nan") else { Issue.record("not a float"); return }
        #expect(nan.isNaN)
        #expect(try resolve("99999999999999999999") == .float(1e20))
    }

    @Test func stringsStayStrings() throws {
        #expect(try resolve("1.5GiB") == .string("1.5GiB"))
        #expect(try resolve("10.0.0.0/24") == .string("10.0.0.0/24"))
        #expect(try resolve("52:54:00:12:34:56") == .string("52:54:00:12:34:56"))
        #expect(try resolve(".") == .string("."))
        #expect(try resolve("1e") == .string("1e"))
    }

    @Test func quotedScalarsAreAlwaysStrings() throws {
        #expect(try resolve("\"42\"") == .string("42"))
        #expect(try resolve("'true'") == .string("true"))
        #expect(try resolve("''") == .string(""))
        let node = try parse("v: '1'\n")["v"]?.scalar
        #expect(node?.style == .singleQuoted)
        #expect(node?.isQuoted == true)
        #expect(node?.isPlain == false)
    }

    @Test func blockScalarsAreStrings() throws {
        let root = try parse("v: |\n  12\nw: >\n  a\n  b\n")
        #expect(root["v"]?.value == .string("12\n"))
        #expect(root["v"]?.scalar?.style == .literal)
        #expect(root["w"]?.value == .string("a b\n"))
    }

    @Test func tagsForceTheType() throws {
        #expect(try resolve("!!str 12") == .string("12"))
        #expect(try resolve("!!int \"12\"") == .int(12))
        #expect(try resolve("!!float 3") == .float(3))
        #expect(try resolve("! 12") == .string("12"))
        #expect(try parse("v: !!str 1\n")["v"]?.scalar?.tag == "tag:yaml.org,2002:str")
    }

    @Test func accessors() throws {
        let root = try parse("s: x\ni: 3\nb: true\nf: 2.5\nl: [1]\nm: {k: v}\nn: ~\n")
        #expect(root["s"]?.string == "x")
        #expect(root["i"]?.int == 3)
        #expect(root["i"]?.double == 3)
        #expect(root["b"]?.bool == true)
        #expect(root["f"]?.double == 2.5)
        #expect(root["l"]?.sequence?.count == 1)
        #expect(root["m"]?["k"]?.string == "v")
        #expect(root["n"]?.isNull == true)
        #expect(root.keys == ["s", "i", "b", "f", "l", "m", "n"])
        #expect(["s", "i", "b", "f", "l", "m", "n"].map { root[$0]?.kindDescription ?? "" } ==
                ["a string", "an integer", "a boolean", "a number", "a list", "a mapping", "null"])
    }
}
