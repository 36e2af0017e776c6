import Testing
@testable import Compose

@Suite struct ReferenceTests {
    @Test func danglingReferencesSuggestDefinedNames() throws {
        let f = try Fixture()
        try f.write("demo.qcow2")
        #expect(f.errors("""
        images:
          debian12: ./demo.qcow2
          alpine: ./demo.qcow2
        networks:
          lan: {subnet: 10.0.0.0/24}
          dmz: {subnet: 10.1.0.0/24}
        guests:
          web:
            image: debain12
            host: mian
            networks: [lna, {network: DMZ}, internet]
        """) == [
            "9:12 guests.web.image: unknown image `debain12`; did you mean `debian12`?",
            "10:11 guests.web.host: unknown host `mian`; did you mean `main`?",
            "11:16 guests.web.networks[0]: unknown network `lna`; did you mean `lan`?",
            "11:31 guests.web.networks[1].network: unknown network `DMZ`; did you mean `dmz`?",
            "11:37 guests.web.networks[2]: unknown network `internet` (defined: lan, dmz)",
        ])
    }

    @Test func referencesWhenNothingIsDefined() throws {
        let f = try Fixture()
        #expect(f.errors("guests:\n  web: {image: demo, networks: [lan]}\n") == [
            "2:16 guests.web.image: unknown image `demo`: no images are defined",
            "2:33 guests.web.networks[0]: unknown network `lan`: no networks are defined",
        ])
    }

    @Test func anImageWithErrorsIsStillDefined() throws {
        let f = try Fixture()
        // Only the missing file is reported, not also `image: demo` as unknown.
        #expect(f.errors("images:\n  demo: ./nope.qcow2\nguests:\n  web: {image: demo}\n") ==
                ["2:9 images.demo: image file not found: \(f.dir)/nope.qcow2"])
    }
}
