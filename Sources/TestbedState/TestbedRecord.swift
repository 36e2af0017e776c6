import Foundation

/// What each host knows of a testbed without its folder: who made it, from which compose file,
/// on which hosts, when, until when, and whether it runs in local mode. `up` writes it on every
/// host of the testbed (in Open vSwitch's own `Open_vSwitch` row, external_ids
/// `tbctl-testbed-<project>`, so that it outlives the guests and networks); `ls`, `reap`,
/// `extend` and `down --project` read it there (docs/fleet.md).
public struct TestbedRecord: Codable, Sendable, Equatable {
    public static let keyPrefix = "tbctl-testbed-"
    public static func key(project: String) -> String { keyPrefix + project }

    public var project: String
    /// user@machine of whoever ran `up`.
    public var owner: String
    /// Absolute path of the compose file, on the owner's machine.
    public var composeFile: String
    /// Every host of the testbed as `up` reached it (so `down --project` reaches them too).
    public var hosts: [TestbedState.Host]
    /// Seconds since 1970 (UTC).
    public var created: Double
    /// When `reap` may remove it (seconds since 1970); nil: never.
    public var expires: Double?
    /// `up --local`: every guest on the master.
    public var local: Bool

    public init(project: String, owner: String, composeFile: String, hosts: [TestbedState.Host],
                created: Double, expires: Double?, local: Bool) {
        self.project = project; self.owner = owner; self.composeFile = composeFile; self.hosts = hosts
        self.created = created; self.expires = expires; self.local = local
    }

    /// Seconds until it expires (negative once it has); nil without a time to live.
    public func secondsLeft(now: Double) -> Double? { expires.map { $0 - now } }
    public func isExpired(now: Double) -> Bool { (expires ?? .infinity) <= now }

    /// Compact JSON, sorted keys (the value stored in external_ids).
    public func encoded() throws -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try enc.encode(self), as: UTF8.self)
    }

    /// nil when the text is not a record this tbctl can read (another version's): such a
    /// testbed is still found by its domains' marks.
    public static func decode(_ text: String) -> TestbedRecord? {
        try? JSONDecoder().decode(TestbedRecord.self, from: Data(text.utf8))
    }
}

extension TestbedState.Host {
    /// Where `ls`, `reap` and `down --project` count a host once, whichever testbed names it
    /// and how: its SSH address, or "local" for the machine tbctl runs on.
    public var place: String {
        ssh.map { "\($0.user)@\($0.address):\($0.port)" } ?? (libvirtURI == "qemu:///system" ? "local" : libvirtURI)
    }
}
