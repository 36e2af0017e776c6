@testable import Artefacts
import Testing

@Suite struct YAMLEmitterTests {
    @Test func blockStyleWithListsIndentedUnderTheirKey() {
        let doc: CloudConfigValue = [
            "name": "web",
            "count": 3,
            "on": true,
            "nothing": nil,
            "empty_list": [],
            "empty_map": .map([]),
            "keys": ["a", "b"],
            "users": [["name": "tb", "groups": ["wheel"]], "plain"],
            "matrix": [[1, 2], [3]],
            "nested": ["inner": ["deep": "x"]],
        ]
        #expect(YAMLEmitter.render(doc) == """
            name: web
            count: 3
            'on': true
            nothing: null
            empty_list: []
            empty_map: {}
            keys:
              - a
              - b
            users:
              - name: tb
                groups:
                  - wheel
              - plain
            matrix:
              - - 1
                - 2
              - - 3
            nested:
              inner:
                deep: x

            """)
    }

    @Test(arguments: [
        // Plain: every YAML reader sees the same string.
        ("hello", "hello"), ("/bin/sh", "/bin/sh"), ("ALL=(ALL) NOPASSWD:ALL", "ALL=(ALL) NOPASSWD:ALL"),
        ("10.0.0.1", "10.0.0.1"), ("0.0.0.0/0", "0.0.0.0/0"), ("http://x/y#z", "http://x/y#z"),
        ("ssh-ed25519 AAAA+/= c", "ssh-ed25519 AAAA+/= c"), ("it's", "it's"), ("café", "café"),
        ("1.2.3", "1.2.3"), ("b64", "b64"), ("eth0", "eth0"),
        // Single quotes: the text would read as another type.
        ("0644", "'0644'"), ("yes", "'yes'"), ("No", "'No'"), ("ON", "'ON'"), ("y", "'y'"), ("null", "'null'"),
        ("~", "'~'"), ("1.5", "'1.5'"), ("1e3", "'1e3'"), ("-1", "'-1'"), ("+12", "'+12'"), ("0x1F", "'0x1F'"),
        ("0o17", "'0o17'"), ("0b101", "'0b101'"), ("1_000", "'1_000'"), (".5", "'.5'"), (".inf", "'.inf'"),
        ("-.Inf", "'-.Inf'"), (".NaN", "'.NaN'"), ("2001-12-14", "'2001-12-14'"), ("<<", "'<<'"), ("=", "'='"),
        ("190:20:30", "\"190:20:30\""), ("1:20.5", "'1:20.5'"),
        // Double quotes: YAML syntax characters or escapes.
        ("52:54:00:12:34:56", "\"52:54:00:12:34:56\""), ("52:54:00:aa:bb:cc", "\"52:54:00:aa:bb:cc\""),
        ("fe80::1", "\"fe80::1\""), ("a: b", "\"a: b\""), ("x #c", "\"x #c\""), ("-x", "-x"), ("-", "\"-\""), ("- x", "\"- x\""), ("---", "\"---\""), ("", "\"\""),
        (" lead", "\" lead\""), ("trail ", "\"trail \""), ("key:", "\"key:\""), ("*ref", "\"*ref\""),
        ("!tag", "\"!tag\""), ("[x]", "\"[x]\""), ("{x}", "\"{x}\""), ("'q'", "\"'q'\""), ("\"d\"", "\"\\\"d\\\"\""),
        ("%x", "\"%x\""), ("@x", "\"@x\""), ("`x", "\"`x\""), ("|x", "\"|x\""), (">x", "\">x\""), ("?x", "\"?x\""),
        ("tab\there", "\"tab\\there\""), ("a\u{1}b", "\"a\\x01b\""), ("a\u{2028}b", "\"a\\u2028b\""),
        ("cr\r", "\"cr\\r\""), ("back\\slash: x", "\"back\\\\slash: x\""), ("\u{85}", "\"\\x85\""),
    ])
    func scalarQuoting(input: String, expected: String) {
        #expect(YAMLScalar.quoted(input) == expected)
    }

    @Test func literalBlocksKeepEveryLineAndTheirFinalBreaks() {
        let doc: CloudConfigValue = [
            "clip": "a\n  b\n",
            "strip": "a\nb",
            "keep": "a\n\n",
            "lead": "  indented\nnext\n",
            "blank": "\nafter\n",
            "list": ["x\ny\n"],
        ]
        #expect(YAMLEmitter.render(doc) == """
            clip: |
              a
                b
            strip: |-
              a
              b
            keep: |+
              a

            lead: |2
                indented
              next
            blank: |2

              after
            list:
              - |
                x
                y

            """)
    }

    @Test func topLevelScalarsAndEmptyDocuments() {
        #expect(YAMLEmitter.render(.map([])) == "{}\n")
        #expect(YAMLEmitter.render(.list([])) == "[]\n")
        #expect(YAMLEmitter.render("yes") == "'yes'\n")
        #expect(YAMLEmitter.render("two\nlines") == "\"two\\nlines\"\n")
    }

    /// PyYAML is what cloud-init parses with: every tree must come back exactly, key order included.
    @Test(.enabled(if: PyYAML.available)) func pyyamlReadsBackWhatWasWritten() async throws {
        let strings: [String] = [
            "plain", "0644", "yes", "No", "off", "~", "null", "1.5", "1e3", "-1", "0x1F", "0o17", "1_000", ".inf",
            "2001-12-14", "2001-12-14 21:59:43.10 -5", "<<", "=", "52:54:00:12:34:56", "190:20:30", "1:20.5",
            "fe80::1", "a: b", "x #c", "-x", "", " lead", "trail ", "key:", "*ref", "!tag", "&anchor", "[x]",
            "{x}", "'q'", "\"d\"", "%x", "@x", "`x", "|x", ">x", "?x", "tab\there", "a\u{1}b", "a\u{2028}b",
            "cr\r\nlf", "\u{85}", "back\\slash", "café ☕ 𝄞", "\u{FEFF}bom", "---", "...", "- item", "#comment",
            "multi\nline\n", "no final break\nhere", "kept\n\n\n", "  lead\nlines\n", "\n\nleading breaks\n",
            "tabs\tin\n\tlines\n", "trailing spaces  \n  \n", "\n", "\n\n", " ", "-", "ALL=(ALL) NOPASSWD:ALL",
        ]
        let doc: CloudConfigValue = [
            "strings": .list(strings.map(CloudConfigValue.string)),
            "as_keys": .map(strings.map { .init($0, .string($0)) }),
            "numbers": [0, -5, 42, .int(Int.max)],
            "bools": [true, false],
            "null": nil,
            "empty": ["list": [], "map": .map([])],
            "nested": [[["a": [[1, "x"], []]], "b"], ["c": ["d": ["e": "f"]]]],
        ]
        let text = YAMLEmitter.render(doc)
        #expect(try await PyYAML.equal(yaml: text, json: JSONText.encode(doc)), "\(text)")
    }

    /// Floats from a user_data file stay floats for cloud-init's YAML 1.1 reader.
    @Test func floatsReadAsFloatsInYAML11() {
        #expect(YAMLEmitter.render(.map([.init("a", .float(1.5)), .init("b", .float(1000)), .init("c", .float(1e-5)),
                                         .init("d", .float(1e20)), .init("e", .float(-.infinity)), .init("f", .float(.nan))])) == """
            a: 1.5
            b: 1000.0
            c: 1.0e-05
            d: 1.0e+20
            e: -.inf
            f: .nan

            """)
    }

    @Test(.enabled(if: PyYAML.available)) func pyYAMLReadsTheFloatsBack() async throws {
        let doc = CloudConfigValue.map([1.5, 1000, 1e-5, 1e20, 2.5e-300, -0.25, .infinity].enumerated().map { .init("k\($0.offset)", .float($0.element)) })
        #expect(try await PyYAML.equal(yaml: YAMLEmitter.render(doc), json: JSONText.encode(doc)))
    }
}
