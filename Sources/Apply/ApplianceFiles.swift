import Core
import Foundation
import Hosts
import TestbedState

extension Executor {
    /// `files` of a guest without a seed: copied over its login's SSH session (a seeded guest
    /// gets them from cloud-init's write_files), once per disk, before its setup script. The
    /// same placement as write_files: a folder's files keep their paths under the destination;
    /// a single file goes to the destination, or into it when it ends with `/`.
    func copyFiles(_ guest: Guest, on session: any GuestSession) async throws {
        let copies = try guest.files.flatMap { try Self.placed($0) }
        guard !copies.isEmpty else { return }
        let folders = Set(copies.map { ($0.to as NSString).deletingLastPathComponent }).sorted()
        let mkdir = try await session.exec("mkdir -p " + folders.map(shellQuote).joined(separator: " "))
        guard mkdir.succeeded else {
            throw TBError(.command, "cannot create the folders of the guest's files", object: "guest \(guest.name)", cause: mkdir.stderr)
        }
        for c in copies { try await session.upload(file: c.from, to: c.to, mode: nil) }
        progress.detail("copied \(plural(copies.count, "file")) into \(guest.name)")
    }

    /// Each regular file under a `files` entry, with its path in the guest.
    static func placed(_ file: Guest.File) throws -> [(from: String, to: String)] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file.source, isDirectory: &isDir) else {
            throw TBError(.notFound, "file \(file.source) of the compose file's `files` is missing")
        }
        guard isDir.boolValue else {
            let to = file.destination.hasSuffix("/") ? file.destination + (file.source as NSString).lastPathComponent : file.destination
            return [(file.source, to)]
        }
        let base = file.destination.hasSuffix("/") ? String(file.destination.dropLast()) : file.destination
        let walker = FileManager.default.enumerator(atPath: file.source)
        var out: [(String, String)] = []
        while let relative = walker?.nextObject() as? String {
            let from = file.source + "/" + relative
            var dir: ObjCBool = false
            if FileManager.default.fileExists(atPath: from, isDirectory: &dir), !dir.boolValue { out.append((from, base + "/" + relative)) }
        }
        return out.sorted { $0.1 < $1.1 }
    }
}
