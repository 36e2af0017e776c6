import Foundation

/// One scrape of every host: what each host's libvirt reported, or why it did not answer.
/// Hosts that did not answer are data (`tbctl_host_up 0`), never a failed scrape.
public struct Observation: Sendable {
    public struct Host: Sendable {
        public var name: String
        /// The host's domains; nil when the host did not answer.
        public var domains: [DomainStats]?
        public var error: String?
        public var seconds: Double

        public init(name: String, domains: [DomainStats]?, error: String? = nil, seconds: Double) {
            self.name = name; self.domains = domains; self.error = error; self.seconds = seconds
        }
        public var up: Bool { domains != nil }
    }

    /// Seconds since the epoch when the scrape started.
    public var time: Double
    public var hosts: [Host]

    public init(time: Double, hosts: [Host]) { self.time = time; self.hosts = hosts }

    public func host(_ name: String) -> Host? { hosts.first { $0.name == name } }

    /// The statistics of a libvirt domain on a host (nil: not defined there, or host down).
    public func domain(_ domain: String, on host: String) -> DomainStats? {
        self.host(host)?.domains?.first { $0.domain == domain }
    }
}
