@testable import Artefacts
import Core
import Foundation
import Testing

@Suite struct ISO9660Tests {
    static let seedFiles: [ISO9660.File] = [
        .init(name: "meta-data", contents: Array("instance-id: db-0123\nlocal-hostname: db\n".utf8)),
        // Larger than one sector, and not a multiple of it.
        .init(name: "user-data", contents: (0..<(100 * 1024 + 17)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) }),
        .init(name: "network-config", contents: Array("version: 2\n".utf8)),
    ]

    /// Writes the seed to a fresh folder; the caller removes the folder.
    func writeSeed(_ files: [ISO9660.File] = seedFiles) throws -> (dir: String, iso: String) {
        let dir = Fixture.tempDir("iso")
        let iso = dir + "/seed.iso"
        try Data(try ISO9660.image(volumeID: "cidata", files: files)).write(to: URL(fileURLWithPath: iso))
        return (dir, iso)
    }

    @Test func layoutIsSectorAlignedWithDescriptorsWhereReadersLook() throws {
        let img = try ISO9660.image(volumeID: "cidata", files: Self.seedFiles)
        #expect(img.count % 2048 == 0)
        #expect(Array(img[32769..<32774]) == Array("CD001".utf8))
        #expect(img[32768] == 1 && img[34816] == 2 && img[36864] == 255)
        // The demo image's init reads the label at this offset with dd.
        #expect(String(decoding: img[32808..<32840], as: UTF8.self) == "cidata" + String(repeating: " ", count: 26))
        #expect(Array(img[34816 + 88..<34816 + 91]) == Array("%/E".utf8))
        // Volume space size, both byte orders.
        let sectors = UInt32(img.count / 2048)
        #expect(Array(img[32768 + 80..<32768 + 88]) == ISO9660.le32(sectors) + ISO9660.be32(sectors))
    }

    @Test func sameFilesGiveTheSameBytes() throws {
        #expect(try ISO9660.image(volumeID: "cidata", files: Self.seedFiles)
                == ISO9660.image(volumeID: "cidata", files: Self.seedFiles))
    }

    @Test func badNamesAreRefused() {
        #expect(throws: TBError.self) { try ISO9660.image(volumeID: "cidata", files: [.init(name: "a/b", contents: [])]) }
        #expect(throws: TBError.self) { try ISO9660.image(volumeID: "cidata", files: [.init(name: "a", contents: []), .init(name: "a", contents: [])]) }
        #expect(throws: TBError.self) { try ISO9660.image(volumeID: String(repeating: "x", count: 17), files: []) }
    }

    @Test func shortNamesAreUniqueEightDotThree() {
        let names = ISO9660.shortNames(["meta-data", "meta-data2", "network-config", "a.tar.gz", "x"])
            .map { String(decoding: $0, as: UTF8.self) }
        #expect(names == ["META_DAT.;1", "META_D~1.;1", "NETWORK_.;1", "A_TAR.GZ;1", "X.;1"])
    }

    @Test(.enabled(if: Fixture.tool("isoinfo"))) func isoinfoSeesLabelJolietNamesAndBytes() async throws {
        let (dir, iso) = try writeSeed()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let info = try await Fixture.run(["isoinfo", "-d", "-i", iso])
        #expect(info.contains("Volume id: cidata"))
        #expect(info.contains("Joliet with UCS level 3 found"))
        let listing = try await Fixture.run(["isoinfo", "-J", "-l", "-i", iso])
        for f in Self.seedFiles { #expect(listing.contains(" \(f.name)")) }
        for f in Self.seedFiles {
            let out = dir + "/x-" + f.name
            try await Fixture.run(["sh", "-c", "isoinfo -J -i \"$1\" -x \"/$2\" > \"$3\"", "sh", iso, f.name, out])
            #expect(FileManager.default.contents(atPath: out) == Data(f.contents), "\(f.name)")
        }
        let primary = try await Fixture.run(["isoinfo", "-l", "-i", iso])
        #expect(primary.contains("META_DAT.;1") && primary.contains("NETWORK_.;1") && primary.contains("USER_DAT.;1"))
    }

    @Test(.enabled(if: Fixture.tool("xorriso"))) func xorrisoListsAndExtractsIdenticalBytes() async throws {
        let (dir, iso) = try writeSeed()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let pvd = try await Subprocess.run(["xorriso", "-indev", iso, "-pvd_info"])
        #expect(pvd.stdout.contains("Volume Id    : cidata"), "\(pvd.stdout)\(pvd.stderr)")
        let ls = try await Subprocess.run(["xorriso", "-indev", iso, "-ls", "/"])
        #expect(ls.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "' ")) }
                    .sorted() == ["meta-data", "network-config", "user-data"], "\(ls.stdout)\(ls.stderr)")
        try await Fixture.run(["xorriso", "-osirrox", "on", "-indev", iso, "-extract", "/", dir + "/out"])
        for f in Self.seedFiles {
            #expect(FileManager.default.contents(atPath: dir + "/out/" + f.name) == Data(f.contents), "\(f.name)")
        }
    }

    /// The guest kernel's isofs driver is the reader that matters. Needs root and loop devices;
    /// a sandbox without them skips the check (and says so).
    @Test func linuxMountsTheSeed() async throws {
        let (dir, iso) = try writeSeed()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/mnt", withIntermediateDirectories: true)
        let mount = try await Subprocess.run(["mount", "-t", "iso9660", "-o", "loop,ro", iso, dir + "/mnt"])
        guard mount.succeeded else {
            print("loop mount not possible here (\(mount.stderr.trimmingCharacters(in: .whitespacesAndNewlines))): kernel check skipped")
            return
        }
        do {
            try await checkMounted(dir + "/mnt", iso: iso)
        } catch {
            _ = try? await Subprocess.run(["umount", dir + "/mnt"])
            throw error
        }
        _ = try await Subprocess.run(["umount", dir + "/mnt"])
        print("loop mount of the seed: OK")
    }

    private func checkMounted(_ mnt: String, iso: String) async throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: mnt).sorted()
        #expect(names == ["meta-data", "network-config", "user-data"])
        for f in Self.seedFiles {
            #expect(FileManager.default.contents(atPath: mnt + "/" + f.name) == Data(f.contents), "\(f.name)")
        }
        if Fixture.tool("blkid") {
            let label = try await Subprocess.run(["blkid", "-o", "value", "-s", "LABEL", iso])
            #expect(label.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "cidata")
        }
    }

    @Test func manySeedsAreFast() throws {
        let clock = ContinuousClock()
        let files = Array(Self.seedFiles.prefix(1)) + [
            .init(name: "user-data", contents: Array(repeating: UInt8(ascii: "x"), count: 3000)),
            .init(name: "network-config", contents: Array(repeating: UInt8(ascii: "y"), count: 400)),
        ]
        var total = 0
        let elapsed = try clock.measure {
            for _ in 0..<1000 { total += try ISO9660.image(volumeID: "cidata", files: files).count }
        }
        print("1000 seed ISOs (\(total / 1000) bytes each): \(elapsed)")
        #expect(total > 0)
    }
}
