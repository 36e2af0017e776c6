import Core

/// A minimal ISO 9660 image writer for NoCloud seeds: files in the root folder only, a primary
/// volume descriptor (8.3 upper-case names, as strict readers expect) and a Joliet
/// supplementary one, whose names keep case and dashes (`meta-data`, `network-config`): Linux
/// and blkid use Joliet when there is no Rock Ridge. Dates are a fixed constant, so the same
/// files always give the same bytes and an unchanged seed is not rewritten or re-uploaded.
///
/// Layout (2048-byte sectors): 0-15 system area (zero), 16 primary descriptor, 17 Joliet
/// descriptor, 18 set terminator, 19-22 path tables (primary L/M, Joliet L/M), then the primary
/// root folder, the Joliet root folder, and the file contents, each starting on a sector.
public enum ISO9660 {
    public struct File: Sendable, Equatable {
        public var name: String
        public var contents: [UInt8]
        public init(name: String, contents: [UInt8]) { self.name = name; self.contents = contents }
    }

    public static let sectorSize = 2048

    public static func image(volumeID: String, files: [File]) throws -> [UInt8] {
        try validate(volumeID: volumeID, files: files)
        let primaryNames = shortNames(files.map(\.name))
        let jolietNames = files.map { ucs2($0.name) }

        // Sector numbers.
        let primaryRoot = 23
        let primaryDir = directory(ids: primaryNames)
        let jolietRoot = primaryRoot + primaryDir.sectors
        let jolietDir = directory(ids: jolietNames)
        var next = jolietRoot + jolietDir.sectors
        var extents: [Int] = []
        for f in files {
            extents.append(next)
            next += sectors(f.contents.count)
        }

        var img = SectorImage(sectors: next)
        let entries = files.indices.map { (extent: extents[$0], size: files[$0].contents.count) }
        img.put(primaryDir.records(root: primaryRoot, ids: primaryNames, files: entries), at: primaryRoot * sectorSize)
        img.put(jolietDir.records(root: jolietRoot, ids: jolietNames, files: entries), at: jolietRoot * sectorSize)
        for (i, f) in files.enumerated() { img.put(f.contents, at: extents[i] * sectorSize) }

        let primary = Descriptor(type: 1, root: primaryRoot, rootSize: primaryDir.sectors * sectorSize,
                                 pathTables: (19, 20), volumeSize: next, joliet: false)
        let joliet = Descriptor(type: 2, root: jolietRoot, rootSize: jolietDir.sectors * sectorSize,
                                pathTables: (21, 22), volumeSize: next, joliet: true)
        primary.write(volumeID: volumeID, to: &img, at: 16 * sectorSize)
        joliet.write(volumeID: volumeID, to: &img, at: 17 * sectorSize)
        img.put([255] + Array("CD001".utf8) + [1], at: 18 * sectorSize)
        for (sector, root, bigEndian) in [(19, primaryRoot, false), (20, primaryRoot, true),
                                          (21, jolietRoot, false), (22, jolietRoot, true)] {
            img.put(pathTable(root: root, bigEndian: bigEndian), at: sector * sectorSize)
        }
        return img.bytes
    }

    static func sectors(_ bytes: Int) -> Int { (bytes + sectorSize - 1) / sectorSize }

    // MARK: names

    private static func validate(volumeID: String, files: [File]) throws {
        guard !volumeID.isEmpty, volumeID.utf8.count <= 16,
              volumeID.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 0x20 }) else {
            throw TBError(.invalidInput, "ISO volume id \(volumeID) must be 1-16 printable ASCII characters")
        }
        var seen = Set<String>()
        for f in files {
            guard !f.name.isEmpty, f.name.utf16.count <= 64,
                  !f.name.unicodeScalars.contains(where: { $0.value < 0x20 || "*/:;?\\".unicodeScalars.contains($0) })
            else { throw TBError(.invalidInput, "\(f.name) cannot be a Joliet file name") }
            guard seen.insert(f.name).inserted else { throw TBError(.invalidInput, "\(f.name) is in the seed twice") }
            guard f.contents.count < Int(UInt32.max) else { throw TBError(.invalidInput, "\(f.name) is too large for ISO 9660") }
        }
    }

    static func ucs2(_ s: String) -> [UInt8] { s.utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xff)] } }

    /// Level 1 names (`META_DAT.;1`): upper-case letters, digits and `_`, 8.3, made unique.
    static func shortNames(_ names: [String]) -> [[UInt8]] {
        var used = Set<String>()
        return names.map { name in
            let dot = name.lastIndex(of: ".")
            let base = clean(dot.map { String(name[..<$0]) } ?? name)
            let ext = String(clean(dot.map { String(name[name.index(after: $0)...]) } ?? "").prefix(3))
            var stem = String(base.prefix(8))
            var n = 1
            while used.contains(stem + "." + ext) {
                let suffix = "~\(n)"
                stem = String(base.prefix(8 - suffix.count)) + suffix
                n += 1
            }
            used.insert(stem + "." + ext)
            return Array((stem + "." + ext + ";1").utf8)
        }
    }

    private static func clean(_ s: String) -> String {
        String(s.uppercased().unicodeScalars.map { u -> Character in
            u.isASCII && (u.properties.isAlphabetic || ("0"..."9").contains(u)) ? Character(u) : "_"
        })
    }

    // MARK: structures

    /// A root folder: `.` and `..`, then one record per file, sorted by identifier bytes as the
    /// standard requires. A record never crosses a sector boundary.
    struct Directory {
        var sectors: Int

        init(sectors: Int) { self.sectors = sectors }

        func records(root: Int, ids: [[UInt8]], files: [(extent: Int, size: Int)]) -> [UInt8] {
            let size = sectors * ISO9660.sectorSize
            var out = ISO9660.record(extent: root, size: size, directory: true, id: [0])
                + ISO9660.record(extent: root, size: size, directory: true, id: [1])
            for i in ids.indices.sorted(by: { ids[$0].lexicographicallyPrecedes(ids[$1]) }) {
                let r = ISO9660.record(extent: files[i].extent, size: files[i].size, directory: false, id: ids[i])
                let room = ISO9660.sectorSize - out.count % ISO9660.sectorSize
                if r.count > room { out += [UInt8](repeating: 0, count: room) }
                out += r
            }
            return out
        }
    }

    static func directory(ids: [[UInt8]]) -> Directory {
        var used = 34 + 34
        for id in ids {
            let len = recordLength(id)
            if used % sectorSize + len > sectorSize { used += sectorSize - used % sectorSize }
            used += len
        }
        return Directory(sectors: sectors(used))
    }

    static func recordLength(_ id: [UInt8]) -> Int { 33 + id.count + (id.count % 2 == 0 ? 1 : 0) }

    static func record(extent: Int, size: Int, directory: Bool, id: [UInt8]) -> [UInt8] {
        var r = [UInt8](repeating: 0, count: recordLength(id))
        r[0] = UInt8(r.count)
        r.replaceSubrange(2..<10, with: bothEndian32(extent))
        r.replaceSubrange(10..<18, with: bothEndian32(size))
        r.replaceSubrange(18..<25, with: fixedDate.record)
        r[25] = directory ? 2 : 0
        r.replaceSubrange(28..<32, with: bothEndian16(1))
        r[32] = UInt8(id.count)
        r.replaceSubrange(33..<(33 + id.count), with: id)
        return r
    }

    static func pathTable(root: Int, bigEndian: Bool) -> [UInt8] {
        let extent = UInt32(root)
        let location: [UInt8] = bigEndian ? be32(extent) : le32(extent)
        return [1, 0] + location + (bigEndian ? [0, 1] : [1, 0]) + [0, 0]
    }

    static let pathTableSize = 10

    /// The primary (type 1) or Joliet (type 2) volume descriptor.
    struct Descriptor {
        var type: UInt8
        var root: Int
        var rootSize: Int
        var pathTables: (little: Int, big: Int)
        var volumeSize: Int
        var joliet: Bool

        func write(volumeID: String, to img: inout SectorImage, at o: Int) {
            img.put([type] + Array("CD001".utf8) + [1], at: o)
            img.put(text("", 32), at: o + 8)                      // system identifier
            img.put(text(volumeID, 32), at: o + 40)
            img.put(ISO9660.bothEndian32(volumeSize), at: o + 80)
            if joliet { img.put(Array("%/E".utf8), at: o + 88) }   // UCS-2 level 3
            img.put(ISO9660.bothEndian16(1), at: o + 120)         // volume set size
            img.put(ISO9660.bothEndian16(1), at: o + 124)         // volume sequence number
            img.put(ISO9660.bothEndian16(ISO9660.sectorSize), at: o + 128)
            img.put(ISO9660.bothEndian32(ISO9660.pathTableSize), at: o + 132)
            img.put(ISO9660.le32(UInt32(pathTables.little)), at: o + 140)
            img.put(ISO9660.be32(UInt32(pathTables.big)), at: o + 148)
            img.put(ISO9660.record(extent: root, size: rootSize, directory: true, id: [0]), at: o + 156)
            for (offset, length) in [(190, 128), (318, 128), (446, 128)] { img.put(text("", length), at: o + offset) }
            img.put(text("TBCTL", 128), at: o + 574)              // application
            for offset in [702, 739, 776] { img.put(text("", 37), at: o + offset) }
            img.put(fixedDate.volume, at: o + 813)                // creation
            img.put(fixedDate.volume, at: o + 830)                // modification
            img.put(Array("0000000000000000".utf8) + [0], at: o + 847)  // expiration: none
            img.put(Array("0000000000000000".utf8) + [0], at: o + 864)  // effective: at once
            img.put([1], at: o + 881)                              // file structure version
        }

        /// Space-padded ASCII, or UCS-2 big-endian for Joliet (an odd-length field ends in 0).
        private func text(_ s: String, _ length: Int) -> [UInt8] {
            var bytes = [UInt8](repeating: 0x20, count: length)
            if joliet { for i in stride(from: 0, to: length, by: 2) { bytes[i] = 0 } }
            let encoded = joliet ? ISO9660.ucs2(s) : Array(s.utf8)
            bytes.replaceSubrange(0..<min(length, encoded.count), with: encoded.prefix(length))
            if joliet && length % 2 == 1 { bytes[length - 1] = 0 }
            return bytes
        }
    }

    /// 2000-01-01 00:00:00 UTC: the same date in every image.
    struct FixedDate {
        let record: [UInt8] = [100, 1, 1, 0, 0, 0, 0]
        let volume: [UInt8] = Array("2000010100000000".utf8) + [0]
    }
    static let fixedDate = FixedDate()

    // MARK: numbers

    static func le32(_ v: UInt32) -> [UInt8] { [UInt8(v & 0xff), UInt8(v >> 8 & 0xff), UInt8(v >> 16 & 0xff), UInt8(v >> 24)] }
    static func be32(_ v: UInt32) -> [UInt8] { le32(v).reversed() }
    static func bothEndian32(_ v: Int) -> [UInt8] { le32(UInt32(v)) + be32(UInt32(v)) }
    static func bothEndian16(_ v: Int) -> [UInt8] { [UInt8(v & 0xff), UInt8(v >> 8 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)] }
}

/// The image under construction: zero-filled, written at byte offsets.
struct SectorImage {
    var bytes: [UInt8]
    init(sectors: Int) { bytes = [UInt8](repeating: 0, count: sectors * ISO9660.sectorSize) }
    mutating func put(_ data: [UInt8], at offset: Int) {
        bytes.withUnsafeMutableBufferPointer { buf in
            data.withUnsafeBufferPointer { src in
                guard let base = src.baseAddress, src.count > 0 else { return }
                (buf.baseAddress! + offset).update(from: base, count: src.count)
            }
        }
    }
}
