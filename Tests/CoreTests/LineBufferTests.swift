import Core
import Testing

@Suite struct LineBufferTests {
    /// Chunks end anywhere: a line is given once its newline has come, and the last line
    /// without one is what `rest` gives.
    @Test func chunksBecomeWholeLines() {
        var b = LineBuffer()
        #expect(b.lines(adding: Array("web-0 li".utf8)).isEmpty)
        #expect(b.lines(adding: Array("stening\n\nready\nha".utf8)) == ["web-0 listening", "", "ready"])
        #expect(!b.isEmpty)
        #expect(b.lines(adding: Array("lf".utf8)).isEmpty)
        #expect(b.rest() == "half")
        #expect(b.isEmpty && b.rest() == nil)
    }
}
