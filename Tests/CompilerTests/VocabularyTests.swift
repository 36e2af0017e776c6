import Compiler
import Core
import Foundation
import TestbedState
import TestSupport
import Testing

/// The closed vocabularies are enums from the compose file to state.json, spelled in the
/// state as they were when they were strings, and never guessed when a word is unknown.
@Suite struct VocabularyTests {
    @Test func stateJSONSpellsTheWordsAsBefore() throws {
        var lab = Lab()
        lab.guests = [Lab.guest("db", networks: ["lan", "dmz"])]
        let json = String(decoding: try lab.compile().encoded(), as: UTF8.self)
        for pair in ["\"accel\" : \"tcg\"", "\"datapath\" : \"netdev\"", "\"tunnel\" : \"vxlan\"", "\"tunnel\" : \"geneve\"",
                     "\"format\" : \"qcow2\"", "\"backingFormat\" : \"qcow2\""] {
            #expect(json.contains(pair), "\(pair)")
        }
    }

    @Test func anUnknownWordInStateJSONIsAnErrorNotADefault() throws {
        var lab = Lab()
        lab.guests = [Lab.guest("db")]
        let json = String(decoding: try lab.compile().encoded(), as: UTF8.self)
            .replacingOccurrences(of: "\"tunnel\" : \"vxlan\"", with: "\"tunnel\" : \"ipip\"")
        #expect(throws: TBError.self) { try TestbedState.decode(Data(json.utf8), path: "state.json") }
        do { _ = try TestbedState.decode(Data(json.utf8), path: "state.json") } catch let e as TBError {
            #expect(e.message == "state.json is damaged" && e.cause?.contains("ipip") == true)
        }
    }
}
