/// What a volume transfer moved (libvirt streams are sparse: holes travel as lengths).
public struct TransferStats: Sendable, Hashable {
    /// Bytes of data sent over the stream.
    public var dataBytes: UInt64 = 0
    /// Bytes that travelled as holes (not sent).
    public var holeBytes: UInt64 = 0
    /// The volume's or file's length.
    public var totalBytes: UInt64 { dataBytes + holeBytes }

    public init(dataBytes: UInt64 = 0, holeBytes: UInt64 = 0) { self.dataBytes = dataBytes; self.holeBytes = holeBytes }
}
