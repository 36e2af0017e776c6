import Core
import Testing

@Suite struct XMLEscapeTests {
    @Test func unescapeUndoesEscape() {
        for s in ["plain", "a & b", "<x y='1' z=\"2\">", "tab\there", "line\nbreak", "&amp; already"] {
            #expect(XMLEscape.unescape(XMLEscape.attribute(s)) == s)
            #expect(XMLEscape.unescape(XMLEscape.text(s)) == s)
        }
        #expect(XMLEscape.unescape("a &unknown; b &#65;") == "a &unknown; b A")
    }
}
