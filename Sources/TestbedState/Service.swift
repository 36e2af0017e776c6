extension TestbedState {
    /// A guest with `replicas`: clones `<name>-0..N-1` of one image.
    public struct Service: Codable, Sendable, Equatable {
        public struct Golden: Codable, Sendable, Equatable {
            /// Host where the golden image is built (once); copies go to every host with a clone.
            public var host: String
            /// Volume name of the golden image (the same on every host that has a copy).
            public var volume: String
            /// The guest (role golden) that boots it to run the setup script.
            public var builder: String
            /// Absolute path of the golden setup script.
            public var setup: String
            /// SHA-256 of the setup script: a changed script means a new golden image.
            public var setupDigest: String
            /// Hosts that need a copy.
            public var hosts: [String]
            public init(host: String, volume: String, builder: String, setup: String, setupDigest: String, hosts: [String]) {
                self.host = host; self.volume = volume; self.builder = builder; self.setup = setup
                self.setupDigest = setupDigest; self.hosts = hosts
            }
        }

        public var name: String
        public var image: String
        public var replicas: Int
        /// nil when the service has no golden setup: clones are then overlays of the base image.
        public var golden: Golden?
        /// Clone guest names in index order.
        public var clones: [String]

        public init(name: String, image: String, replicas: Int, golden: Golden?, clones: [String]) {
            self.name = name; self.image = image; self.replicas = replicas; self.golden = golden; self.clones = clones
        }
    }
}
