import Core
import Foundation
import TestbedState
import Workspace

/// SHA-256 of local files, cached by (path, size, mtime) in `.testbed/digests.json`, so a
/// recompile does not re-read a 400 MB image whose bytes did not change. Without a workspace
/// the cache lives in memory only (the bench times compiles with it).
public final class DigestCache: Sendable {
    struct Entry: Codable, Equatable { var size: Int64; var mtime: Double; var sha256: String }
    private let workspace: Workspace?
    private let entries: Locked<[String: Entry]>
    private let dirty = Locked(false)

    public init(workspace: Workspace?) {
        self.workspace = workspace
        self.entries = Locked((try? workspace?.readJSON([String: Entry].self, "digests.json")) ?? [:])
    }

    public func digest(_ path: String) throws -> String {
        let attrs: [FileAttributeKey: Any]
        do { attrs = try FileManager.default.attributesOfItem(atPath: path) } catch {
            throw TBError(.notFound, "cannot read \(path)", underlying: error)
        }
        let size = (attrs[.size] as? NSNumber)?.int64Value ?? -1
        let mtime = (attrs[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        if let e = entries.withLock({ $0[path] }), e.size == size, e.mtime == mtime { return e.sha256 }
        let sha = try Digest.sha256Hex(fileAt: path)
        entries.withLock { $0[path] = Entry(size: size, mtime: mtime, sha256: sha) }
        dirty.withLock { $0 = true }
        return sha
    }

    func save() throws {
        guard let workspace, dirty.current else { return }
        try workspace.writeJSON(entries.current, "digests.json")
    }
}

/// The first bytes of a file (image format detection).
public func fileHeader(_ path: String) -> [UInt8] {
    guard let fh = FileHandle(forReadingAtPath: path) else { return [] }
    defer { try? fh.close() }
    return Array((try? fh.read(upToCount: 16)) ?? Data())
}
