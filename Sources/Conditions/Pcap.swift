import Core

/// Reads a pcap stream (as `tcpdump -w -` writes it) in chunks as they arrive, and yields
/// whole records. Both byte orders and both timestamp precisions are read.
public struct PcapReader: Sendable {
    public struct Header: Sendable, Equatable {
        public var linkType: UInt32
        public var snapLength: UInt32
    }

    public struct Record: Sendable, Equatable {
        public var seconds: UInt32
        public var micros: UInt32
        public var originalLength: UInt32
        public var data: [UInt8]
        public init(seconds: UInt32, micros: UInt32, originalLength: UInt32, data: [UInt8]) {
            self.seconds = seconds; self.micros = micros; self.originalLength = originalLength; self.data = data
        }
    }

    private var buffer: [UInt8] = []
    private var bigEndian = false
    private var nanos = false
    public private(set) var header: Header?
    public private(set) var records = 0

    public init() {}

    /// Takes a chunk; returns the records it completed. Throws on a stream that is not pcap.
    public mutating func feed(_ bytes: [UInt8]) throws -> [Record] {
        buffer += bytes
        var out: [Record] = []
        if header == nil {
            guard buffer.count >= 24 else { return [] }
            try readHeader()
        }
        var offset = 0
        while buffer.count - offset >= 16 {
            let included = Int(u32(offset + 8))
            guard included <= 256 << 20 else { throw TBError(.command, "damaged pcap stream: a record of \(included) bytes") }
            guard buffer.count - offset - 16 >= included else { break }
            let fraction = u32(offset + 4)
            out.append(Record(seconds: u32(offset), micros: nanos ? fraction / 1000 : fraction, originalLength: u32(offset + 12),
                              data: Array(buffer[(offset + 16)..<(offset + 16 + included)])))
            offset += 16 + included
        }
        buffer.removeFirst(offset)
        records += out.count
        return out
    }

    /// Bytes of an unfinished record left at the end of the stream.
    public var leftover: Int { buffer.count }

    private mutating func readHeader() throws {
        let magic = UInt32(buffer[0]) | UInt32(buffer[1]) << 8 | UInt32(buffer[2]) << 16 | UInt32(buffer[3]) << 24
        switch magic {
        case 0xa1b2_c3d4: (bigEndian, nanos) = (false, false)
        case 0xa1b2_3c4d: (bigEndian, nanos) = (false, true)
        case 0xd4c3_b2a1: (bigEndian, nanos) = (true, false)
        case 0x4d3c_b2a1: (bigEndian, nanos) = (true, true)
        default:
            let text = String(decoding: buffer.prefix(80), as: UTF8.self)
            throw TBError(.command, "the capture did not produce a pcap stream", cause: text)
        }
        header = Header(linkType: u32(20), snapLength: u32(16))
        buffer.removeFirst(24)
    }

    private func u32(_ at: Int) -> UInt32 {
        let b = buffer[at..<(at + 4)].map(UInt32.init)
        return bigEndian ? b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3] : b[0] | b[1] << 8 | b[2] << 16 | b[3] << 24
    }
}

/// Writes one pcap stream (little-endian, microseconds) from the records of several: a
/// network's capture from every host that carries it, interleaved as they arrive.
public struct PcapWriter: Sendable {
    public let linkType: UInt32
    public let snapLength: UInt32

    public init(linkType: UInt32 = 1, snapLength: UInt32 = 262_144) {
        self.linkType = linkType; self.snapLength = snapLength
    }

    public var header: [UInt8] {
        le(0xa1b2_c3d4) + [2, 0, 4, 0] + le(0) + le(0) + le(snapLength) + le(linkType)
    }

    public func bytes(_ r: PcapReader.Record) -> [UInt8] {
        le(r.seconds) + le(r.micros) + le(UInt32(r.data.count)) + le(r.originalLength) + r.data
    }

    func le(_ v: UInt32) -> [UInt8] { [UInt8(v & 0xff), UInt8(v >> 8 & 0xff), UInt8(v >> 16 & 0xff), UInt8(v >> 24)] }
}
