import Testing
@testable import Compose

@Suite struct SizesTests {
    private static let mib: Int64 = 1 << 20
    private static let valid: [(String, Int64)] = [
        ("512", 512 * mib), ("512M", 512 * mib), ("512MiB", 512 * mib), ("1G", 1024 * mib), ("1GiB", 1024 * mib),
        ("1.5GiB", 1536 * mib), ("1 GiB", 1024 * mib), ("100K", 102_400), ("2T", 2 * 1024 * 1024 * mib), ("0.5M", mib / 2), ("1.5", mib * 3 / 2),
    ]

    @Test(arguments: valid)
    func parses(text: String, bytes: Int64) {
        let exact = Sizes.parse(text)
        #expect(exact?.isMultiple(of: 1) == true)
        #expect(exact?.bytes == bytes)
    }

    @Test(arguments: ["", "G", "1.G", ".5G", "1,5G", "1MB", "1g", "1e3", "1e3M", "-1M", "0x10", "1.0000000000001K", "99999999999T"])
    func rejects(text: String) {
        #expect(Sizes.parse(text) == nil)
    }

    @Test func memoryUnitsInTheFile() throws {
        let f = try Fixture()
        try f.write("demo.qcow2")
        let c = try f.load(minimalImage + """
        guests:
          a: {image: demo, memory: 128}
          b: {image: demo, memory: 1.5GiB, disk: 10G}
          c: {image: demo, memory: "256", disk: 2048}
        """)
        #expect(c.guests.map(\.memoryMiB) == [128, 1536, 256])
        #expect(c.guests.map(\.diskBytes) == [nil, 10 << 30, 2048 << 20])
    }

    @Test func fractionalDiskIsBytes() throws {
        let f = try Fixture()
        try f.write("demo.qcow2")
        let c = try f.load(minimalImage + "guests:\n  a: {image: demo, disk: 1.5}\n")
        #expect(c.guests[0].diskBytes == 3 << 19)
    }

    @Test func badSizes() throws {
        let f = try Fixture()
        try f.write("demo.qcow2")
        #expect(f.errors(minimalImage + """
        guests:
          a: {image: demo, memory: 1.3GiB, disk: 1.5}
          b: {image: demo, memory: 1.5, disk: lots}
          c: {image: demo, memory: [1], disk: 1.1K}
        """) == [
            "4:28 guests.a.memory: `1.3GiB` is not a whole number of MiB",
            "5:28 guests.b.memory: `1.5` is not a whole number of MiB",
            "5:39 guests.b.disk: invalid size a string (\"lots\"): \(Sizes.help)",
            "6:28 guests.c.memory: invalid size a list: \(Sizes.help)",
            "6:39 guests.c.disk: `1.1K` is not a whole number of bytes",
        ])
    }
}
