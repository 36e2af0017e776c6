import Core
import Foundation
import Hosts
import TestbedState
import Vocabulary
import Workspace

extension Executor {
    func pool(_ host: any HostConnection) async throws -> any PoolHandle {
        guard let pool = try await host.libvirt.storagePool(named: host.spec.pool) else {
            throw TBError(.notFound, "storage pool \(host.spec.pool) is missing")
        }
        return pool
    }

    /// Deletes a volume if it exists (a leftover of an interrupted run, or the old version).
    func deleteVolume(_ name: String, in pool: any PoolHandle) async throws {
        if let v = try await pool.volume(named: name) { try await v.delete() }
    }

    /// Uploads a local file as a fresh volume (sparse: holes are not sent), then records it.
    /// Images are followed by a pool refresh, so libvirt reads their header (qcow2, virtual
    /// size) that overlays depend on; seeds need none.
    func uploadVolume(_ name: String, from path: String, to host: any HostConnection, digest: String,
                      isImage: Bool = false) async throws {
        guard isImage else { return try await uploadOnly(name, from: path, to: host, digest: digest, refresh: false) }
        try await host.poolLock.withLock { try await uploadOnly(name, from: path, to: host, digest: digest, refresh: true) }
    }

    private func uploadOnly(_ name: String, from path: String, to host: any HostConnection, digest: String,
                            refresh: Bool) async throws {
        let pool = try await pool(host)
        try context.update { $0.setVolume(host.name, name, nil) }
        try await deleteVolume(name, in: pool)
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber
        let vol = try await pool.createRawVolume(named: name, bytes: size?.int64Value ?? 0)
        let stats = try await vol.upload(fromFile: path)
        if refresh { try await pool.refresh() }
        progress.detail("uploaded \(name) to \(host.name): \(stats)")
        try context.update { $0.setVolume(host.name, name, digest) }
    }

    /// A qcow2 overlay whose backing file is `backing` in the same pool: a linked clone, no copy.
    func createOverlay(_ name: String, backing: String, format: ImageFormat, capacity: Int64?,
                       on host: any HostConnection) async throws {
        let pool = try await pool(host)
        try await deleteVolume(name, in: pool)
        guard let base = try await pool.volume(named: backing) else {
            throw TBError(.notFound, "backing image \(backing) is missing on host \(host.name)")
        }
        let size = max(capacity ?? 0, Int64(try await base.info().capacity))
        let path = try await base.path()
        _ = try await pool.createOverlay(named: name, capacity: size, backingPath: path, backingFormat: format)
        progress.detail("overlay \(name) on \(host.name) backed by \(backing)")
    }

    func createDisk(_ guest: Guest) async throws {
        let host = try context.host(guest.host)
        try context.update { $0.setup[guest.name] = nil }   // a new disk has run no setup
        if let dom = try await projectDomain(guest.domain, on: host) {
            if try await dom.isActive() { try await dom.destroy() }
            // Its internal snapshots go with the old disk: drop libvirt's metadata and the record.
            for s in try await dom.snapshots() { try await s.delete(metadataOnly: true) }
            try SnapshotStore(context.workspace).forget(guests: [guest.name])
        }
        // A new disk may hold another image's SSH host key: forget the one recorded for it.
        try ApplianceHostKeys.forget(guest, workspace: context.workspace)
        try await removeSerialLog(guest.domain, on: host)
        if guest.disk.isFullCopy {
            try context.update { $0.setVolume(host.name, guest.disk.volume, nil) }
            try await createFullCopy(guest.disk.volume, of: guest.disk.backingVolume, format: guest.disk.backingFormat,
                                     capacity: guest.disk.capacityBytes, on: host)
            try context.update { $0.setVolume(host.name, guest.disk.volume, guest.disk.copyRecord) }
            return
        }
        try await createOverlay(guest.disk.volume, backing: guest.disk.backingVolume, format: guest.disk.backingFormat,
                                capacity: guest.disk.capacityBytes, on: host)
    }

    func uploadSeed(_ guest: Guest) async throws {
        guard let seedVolume = guest.seedVolume else { return }
        let path = context.artefact(guest.name, "seed.iso")
        guard let bytes = FileManager.default.contents(atPath: path) else {
            throw TBError(.notFound, "seed \(path) is missing: run `tbctl generate-artefacts`")
        }
        try await uploadVolume(seedVolume, from: path, to: try context.host(guest.host), digest: Digest.sha256Hex(bytes))
    }

    /// The serial console log is appended to across restarts (`tbctl console --log`): a new
    /// disk, or the guest's removal, starts it afresh.
    func removeSerialLog(_ domain: String, on host: any HostConnection) async throws {
        _ = try await host.runner.check(["rm", "-f", Names.serialLog(domain: domain)])
    }

    func removeVolume(_ name: String, on host: any HostConnection) async throws {
        try await deleteVolume(name, in: try await pool(host))
        try context.update { $0.setVolume(host.name, name, nil) }
    }
}
