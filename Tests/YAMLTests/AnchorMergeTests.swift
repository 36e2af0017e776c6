import Testing
@testable import YAML

@Suite struct AnchorMergeTests {
    @Test func aliasYieldsTheAnchoredNode() throws {
        let root = try parse("""
        x-base: &base {cpus: 2, memory: 128}
        a: *base
        list: &l [1, 2]
        b: *l
        """)
        #expect(flat(root["a"]) == ["cpus=2", "memory=128"])
        #expect(root["b"]?.sequence?.compactMap(\.int) == [1, 2])
        // The aliased node keeps the marks of its definition: that is where the values are written.
        #expect(root["a"]?["cpus"]?.mark == at(1, 22))
    }

    @Test func unknownAliasIsAnError() {
        #expect(issues("a: *nope\n") == [.init(mark: at(1, 4), message: "alias `*nope` refers to no anchor `&nope` defined before it")])
    }

    @Test func selfReferenceIsRefused() {
        #expect(issues("a: &x [*x]\n").first?.message == "alias `*x` refers to no anchor `&x` defined before it")
    }

    @Test func aliasBombHitsTheBudget() {
        let bomb = """
        a: &a [x, x, x, x, x, x, x, x, x, x]
        b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
        c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
        d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
        e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
        """
        let found = issues(bomb, budget: 5_000)
        #expect(found.count == 1)
        #expect(found.first?.message == "the document expands to more than 5000 nodes (aliases nested too deep?)")
        #expect(found.first?.mark?.line == 4)
    }

    @Test func mergeOfOneMappingExplicitKeysWin() throws {
        let root = try parse("""
        base: &base {cpus: 1, memory: 128, image: demo}
        web:
          memory: 256
          <<: *base
          disk: 1G
        """)
        // Merged pairs take the place of `<<`; `memory` written in `web` wins.
        #expect(flat(root["web"]) == ["memory=256", "cpus=1", "image=demo", "disk=1G"])
    }

    @Test func mergeOfAListEarlierMappingsWin() throws {
        let root = try parse("""
        a: &a {x: a1, y: a2}
        b: &b {y: b2, z: b3}
        m:
          <<: [*a, *b]
          z: own
        """)
        #expect(flat(root["m"]) == ["x=a1", "y=a2", "z=own"])
    }

    @Test func quotedMergeKeyIsAnOrdinaryKey() throws {
        let root = try parse("m: {'<<': 1}\n")
        #expect(root["m"]?.keys == ["<<"])
    }

    @Test func mergeOfAScalarIsAnError() {
        #expect(issues("m:\n  <<: 3\n") == [.init(mark: at(2, 7), message: "a merge key `<<` needs a mapping or a list of mappings")])
    }

    @Test func mergeListOfNonMappingsIsAnError() {
        #expect(issues("a: &a {x: 1}\nm:\n  <<: [*a, 2]\n") ==
                [.init(mark: at(3, 12), message: "a merge key `<<` list may only hold mappings")])
    }

    @Test func nestedMergesResolveInsideOut() throws {
        let root = try parse("""
        a: &a {x: 1}
        b: &b {<<: *a, y: 2}
        c: {<<: *b, z: 3}
        """)
        #expect(flat(root["c"]) == ["x=1", "y=2", "z=3"])
    }
}
