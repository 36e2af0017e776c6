import Core
import Foundation
import Hosts
import Vocabulary

/// A directory pool on a fake host: its volumes are the files in its directory, listed only
/// while the pool is started.
struct FakePool: PoolHandle {
    let lab: FakeLab
    let host: String
    let name: String

    /// Runs `body` on the pool's record, as a libvirt call `op` (logged with `object`, or the pool's name).
    private func on<T>(_ op: String, object: String? = nil, _ body: (inout PoolRecord, inout HostWorld) throws -> T) async throws -> T {
        try await lab.call(host, "pool.\(op)", object ?? name)
        return try lab.with(host) { h in
            guard var p = h.pools[name] else { throw TBError(.libvirt, "Storage pool not found: no storage pool with matching name '\(name)'") }
            defer { h.pools[name] = p }
            return try body(&p, &h)
        }
    }

    private func active(_ p: PoolRecord) throws {
        guard p.active else { throw TBError(.libvirt, "Requested operation is not valid: storage pool '\(name)' is not active") }
    }

    func isActive() async throws -> Bool { try await on("isActive") { p, _ in p.active } }
    func build() async throws { try await on("build") { p, h in _ = h.dirs.insert(p.path) } }

    func create() async throws {
        try await on("create") { p, h in
            guard !p.active else { throw TBError(.libvirt, "Requested operation is not valid: storage pool '\(name)' is already active") }
            guard h.dirs.contains(p.path) else { throw TBError(.libvirt, "cannot open directory '\(p.path)': No such file or directory") }
            p.active = true
        }
    }

    func setAutostart(_ on: Bool) async throws { try await self.on("setAutostart") { p, _ in p.autostart = on } }
    func refresh() async throws { try await on("refresh") { p, _ in try active(p) } }

    func destroy() async throws {
        try await on("destroy") { p, _ in
            try active(p)
            p.active = false
        }
    }

    func delete() async throws {
        try await on("delete") { p, h in
            guard !p.active else { throw TBError(.libvirt, "Requested operation is not valid: storage pool '\(name)' is still active") }
            h.files = h.files.filter { !$0.key.hasPrefix(p.path + "/") }
            h.dirs.remove(p.path)
        }
    }

    func undefine() async throws {
        try await on("undefine") { _, _ in }
        lab.with(host) { $0.pools[name] = nil }
    }

    func volumes() async throws -> [any VolumeHandle] {
        try await on("volumes") { p, h in
            try active(p)
            return h.files.keys.filter { ($0 as NSString).deletingLastPathComponent == p.path }.sorted()
                .map { FakeVolume(lab: lab, host: host, path: $0) }
        }
    }

    func volume(named volume: String) async throws -> (any VolumeHandle)? {
        try await on("volume", object: volume) { p, h in
            try active(p)
            return h.files[p.path + "/" + volume] == nil ? nil : FakeVolume(lab: lab, host: host, path: p.path + "/" + volume)
        }
    }

    func createRawVolume(named volume: String, bytes: Int64) async throws -> any VolumeHandle {
        try await create(volume, op: "createRawVolume",
                         VolumeFile(format: .raw, capacity: UInt64(max(0, bytes)), allocation: 0, content: ""))
    }

    /// libvirt checks the backing file exists (it reads its header); the overlay is new and small.
    func createOverlay(named volume: String, capacity: Int64, backingPath: String,
                       backingFormat: ImageFormat) async throws -> any VolumeHandle {
        try await create(volume, op: "createOverlay",
                         VolumeFile(format: .qcow2, capacity: UInt64(max(0, capacity)), allocation: 196_608,
                                    content: "overlay of \(backingPath)", backingPath: backingPath, backingFormat: backingFormat))
    }

    private func create(_ volume: String, op: String, _ file: VolumeFile) async throws -> any VolumeHandle {
        let path = try await on(op, object: volume) { p, h -> String in
            try active(p)
            let path = p.path + "/" + volume
            guard h.files[path] == nil else { throw TBError(.libvirt, "storage volume name '\(volume)' already in use") }
            if let backing = file.backingPath, h.files[backing] == nil {
                throw TBError(.libvirt, "Cannot access backing file '\(backing)': No such file or directory")
            }
            h.files[path] = file
            return path
        }
        return FakeVolume(lab: lab, host: host, path: path)
    }
}

struct FakeVolume: VolumeHandle {
    let lab: FakeLab
    let host: String
    let path: String
    var name: String { (path as NSString).lastPathComponent }

    private func on<T>(_ op: String, _ body: (inout VolumeFile, inout HostWorld) throws -> T) async throws -> T {
        try await lab.call(host, "volume.\(op)", name)
        return try lab.with(host) { h in
            guard var f = h.files[path] else { throw TBError(.libvirt, "Storage volume not found: no storage vol with matching path '\(path)'") }
            defer { if h.files[path] != nil { h.files[path] = f } }
            return try body(&f, &h)
        }
    }

    func path() async throws -> String { try await on("path") { _, _ in path } }
    func info() async throws -> VolumeInfo { try await on("info") { f, _ in VolumeInfo(capacity: f.capacity, allocation: f.allocation) } }
    func backingStorePath() async throws -> String? { try await on("backingStorePath") { f, _ in f.backingPath } }
    func delete() async throws { try await on("delete") { _, h in h.files[path] = nil } }

    /// The local file's bytes become the volume's content (a qcow2 image keeps its format).
    func upload(fromFile local: String) async throws -> TransferStats {
        guard let bytes = FileManager.default.contents(atPath: local) else {
            throw TBError(.io, "cannot open file for upload", object: local)
        }
        return try await on("upload") { f, _ in
            f.content = Digest.sha256Hex(bytes)
            f.allocation = UInt64(bytes.count)
            f.capacity = max(f.capacity, UInt64(bytes.count))
            if bytes.starts(with: [0x51, 0x46, 0x49, 0xfb]) { f.format = .qcow2 }
            return TransferStats(dataBytes: UInt64(bytes.count), holeBytes: 0)
        }
    }

    /// Host to host: the destination gets this volume's bytes (and so its backing reference).
    func copy(to destination: any VolumeHandle) async throws -> TransferStats {
        guard let sink = destination as? FakeVolume else { throw TBError(.internalError, "not a fake volume") }
        let source = try await on("copy") { f, _ in f }
        try await lab.call(sink.host, "volume.receive", sink.name)
        try lab.with(sink.host) { h in
            guard h.files[sink.path] != nil else { throw TBError(.libvirt, "Storage volume not found: \(sink.path)") }
            h.files[sink.path] = source
        }
        return TransferStats(dataBytes: source.allocation, holeBytes: source.capacity - min(source.capacity, source.allocation))
    }
}
