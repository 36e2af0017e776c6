import Vocabulary

extension TestbedState {
    /// A base image: imported once into each host's pool that needs it.
    public struct Image: Codable, Sendable, Equatable {
        public var name: String
        /// Absolute local path, or an http(s) URL.
        public var source: String
        /// Declared SHA-256 (lowercase hex); verified on import when given.
        public var sha256: String?
        /// Format of the source file as declared or detected.
        public var format: ImageFormat
        /// Volume name in each host's pool (the same on every host).
        public var volume: String
        /// Hosts that need it (some guest or golden build there is backed by it).
        public var hosts: [String]

        /// What tbctl records for a completed import: the content's SHA-256 when known, else the
        /// (content-named) volume.
        public var recordedDigest: String { sha256 ?? volume }

        public var isURL: Bool { source.hasPrefix("http://") || source.hasPrefix("https://") }

        public init(name: String, source: String, sha256: String?, format: ImageFormat, volume: String, hosts: [String]) {
            self.name = name; self.source = source; self.sha256 = sha256; self.format = format
            self.volume = volume; self.hosts = hosts
        }
    }
}
