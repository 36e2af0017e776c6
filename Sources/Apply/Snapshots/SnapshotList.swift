import Core
import Foundation
import Hosts
import TestbedState

extension Snapshots {
    public struct Listing: Codable, Sendable {
        public struct GuestInfo: Codable, Sendable {
            public var guest: String
            public var host: String
            public var domain: String
            public var state: SnapshotRecord.GuestState
            /// Whether the guest's disk has the snapshot (nil: not known, host unreachable).
            public var present: Bool?
            /// Bytes of the saved memory state (0 for a shut-off guest; nil: not known).
            public var sizeBytes: Int64?
        }
        public var name: String
        public var kind: SnapshotRecord.Snapshot.Kind
        public var createdAt: String
        public var guests: [GuestInfo]
        public var hosts: [String]
        /// Sum of the guests' saved memory states, when every one is known. Disk blocks are
        /// shared between the snapshot and the running disk in the qcow2 file: not counted.
        public var sizeBytes: Int64?
    }

    /// The recorded snapshots (those that include `guest`, if given), oldest first, with what
    /// each guest's disk says about them (present, size of the saved memory) where the host
    /// answers. Reads only; takes no lock.
    public func list(guest: String? = nil) async throws -> [Listing] {
        let record = try store.load()
        if let guest, state.guest(named: guest) == nil, !record.snapshots.contains(where: { $0.entry(guest) != nil }) {
            throw TBError(.notFound, "there is no guest \(guest) in the testbed" + SnapshotPlan.known(state.userGuests.map(\.name)))
        }
        let shown = record.snapshots.filter { s in guest.map { s.entry($0) != nil } ?? true }
        // One `qemu-img info` per disk (it lists every internal snapshot with its memory size).
        let disks = Set(shown.flatMap { s in s.guests.filter { e in state.guest(named: e.guest)?.host == e.host }.map(\.guest) })
        var facts: [String: [String: Int64]] = [:]
        if !disks.isEmpty {
            let hostNames = Set(disks.compactMap { state.guest(named: $0)?.host })
            let names = Array(disks).sorted()
            let results = await HostSet.connect(state, via: connector, only: hostNames).closing { hosts in
                await each(names) { g -> [String: Int64]? in
                    guard let guest = state.guest(named: g), let host = hosts[guest.host] else { return nil }
                    return try await Self.internalSnapshots(of: host.spec.poolPath + "/" + guest.disk.volume, on: host)
                }
            }
            for (g, r) in zip(names, results) { if case .success(let f?) = r { facts[g] = f } }
        }
        return shown.map { s in
            let infos = s.guests.map { e -> Listing.GuestInfo in
                let f = facts[e.guest]
                return .init(guest: e.guest, host: e.host, domain: e.domain, state: e.state,
                             present: f.map { $0[s.name] != nil }, sizeBytes: f?[s.name])
            }
            let sizes = infos.compactMap(\.sizeBytes)
            return Listing(name: s.name, kind: s.kind, createdAt: s.createdAt, guests: infos, hosts: s.hosts,
                           sizeBytes: sizes.count == infos.count ? sizes.reduce(0, +) : nil)
        }
    }

    /// Internal snapshots of a qcow2 file and the size of each one's saved memory, by name.
    /// `-U` reads the file while the guest runs (metadata only, nothing is written).
    static func internalSnapshots(of path: String, on host: any HostConnection) async throws -> [String: Int64] {
        let json = try await host.runner.check(["qemu-img", "info", "-U", "--output=json", path])
        return try parseQemuImgInfo(json)
    }

    public static func parseQemuImgInfo(_ json: String) throws -> [String: Int64] {
        struct Info: Decodable {
            struct Snap: Decodable {
                var name: String
                var size: Int64?
                enum CodingKeys: String, CodingKey { case name, size = "vm-state-size" }
            }
            var snapshots: [Snap]?
        }
        let info = try JSONDecoder().decode(Info.self, from: Data(json.utf8))
        return Dictionary((info.snapshots ?? []).map { ($0.name, $0.size ?? 0) }, uniquingKeysWith: { a, _ in a })
    }
}
