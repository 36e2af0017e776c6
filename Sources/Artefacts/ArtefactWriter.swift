import Core
import Dispatch
import Foundation
import TestbedState

/// Writes `<dir>/<guest>/{meta-data,user-data,network-config,seed.iso,domain.xml}` for every
/// guest of a state (golden-image builders too). A file is rewritten only when its bytes
/// change, so a re-run is cheap and a file's mtime says when it last changed; folders of
/// guests that left the state are removed.
public enum ArtefactWriter {
    public struct Summary: Sendable, Equatable {
        public var guests: Int
        public var filesWritten: Int
        public var filesUnchanged: Int
        /// Guests with at least one rewritten file, in state order.
        public var changedGuests: [String]
        /// Folders of guests no longer in the state, removed.
        public var removedFolders: [String]
        /// Folders that are not guests of the state but hold files tbctl did not write: kept.
        public var foreignFolders: [String]
    }

    /// Reads a guest's extra cloud-config file (`Guest.userData`) into a tree; the CLI passes
    /// one built on the YAML reader.
    public typealias CloudConfigLoader = @Sendable (_ path: String) throws -> CloudConfigValue

    /// Artefact files hold the guests' private host keys: owner only.
    static let fileMode: mode_t = 0o600

    public static func write(state: TestbedState, projectSecret: [UInt8], to dir: String,
                             loadUserData: CloudConfigLoader? = nil) throws -> Summary {
        try state.guests.forEach(checkFolderName)
        try makeFolder(dir)
        let results = try renderEach(state: state, projectSecret: projectSecret, loadUserData: loadUserData) { guest, artefacts in
            try writeChanged(artefacts, to: dir + "/" + guest.name)
        }
        var summary = try summarise(state.guests, results)
        (summary.removedFolders, summary.foreignFolders) = try removeStaleFolders(in: dir, keeping: Set(state.guests.map(\.name)))
        return summary
    }

    /// Renders every guest, concurrently, and hands each one's artefacts to `sink` on the
    /// rendering thread (so they need not all be held at once). `sink` returns a count
    /// (files written); one result per guest, in state order.
    static func renderEach(state: TestbedState, projectSecret: [UInt8], loadUserData: CloudConfigLoader?,
                           sink: @Sendable (Guest, GuestArtefacts) throws -> Int) throws -> [Result<Int, TBError>] {
        let sources = preload(Set(state.guests.flatMap { $0.files.map(\.source) }), SourceTree.read)
        let extras = try preloadUserData(state.guests, loadUserData)
        let results = Locked([Result<Int, TBError>?](repeating: nil, count: state.guests.count))
        DispatchQueue.concurrentPerform(iterations: state.guests.count) { i in
            let guest = state.guests[i]
            let result = Result<Int, any Error> {
                let files = try GuestFiles.writeFiles(for: guest) { path in try sources[path]!.get() }
                let artefacts = try GuestArtefacts.render(guest: guest, state: state, projectSecret: projectSecret,
                                                          files: files, extra: try extras[guest.userData ?? ""]?.get())
                return try sink(guest, artefacts)
            }.mapError { error in
                let e = error.asTBError(.io)
                return e.object == nil ? e.about("guest \(guest.name)") : e   // most already name the guest
            }
            results.withLock { $0[i] = result }
        }
        return results.current.map { $0! }
    }

    /// Writes a guest's changed files; returns how many it wrote.
    private static func writeChanged(_ artefacts: GuestArtefacts, to folder: String) throws -> Int {
        try makeFolder(folder)
        var written = 0
        for (name, bytes) in artefacts.files where try FileSync.writeIfChanged(folder + "/" + name, bytes, mode: fileMode) {
            written += 1
        }
        return written
    }

    // MARK: inputs shared between guests (clones of a service use the same files)

    private static func preload<T: Sendable>(_ paths: Set<String>,
                                             _ load: @Sendable (String) throws -> T) -> [String: Result<T, TBError>] {
        let list = Array(paths)
        let results = Locked([String: Result<T, TBError>]())
        DispatchQueue.concurrentPerform(iterations: list.count) { i in
            let r = Result<T, any Error> { try load(list[i]) }.mapError { $0.asTBError(.io) }
            results.withLock { $0[list[i]] = r }
        }
        return results.current
    }

    private static func preloadUserData(_ guests: [Guest], _ load: CloudConfigLoader?) throws
        -> [String: Result<CloudConfigValue, TBError>] {
        let paths = Set(guests.compactMap(\.userData))
        guard !paths.isEmpty else { return [:] }
        guard let load else {
            let guest = guests.first { $0.userData != nil }!
            throw TBError(.unsupported, "extra user-data \(guest.userData!) needs a cloud-config reader, and none was given",
                          object: "guest \(guest.name)")
        }
        return preload(paths, load)
    }

    // MARK: results and folders

    /// All failures at once, in guest order, so one run shows every missing file.
    private static func summarise(_ guests: [Guest], _ results: [Result<Int, TBError>]) throws -> Summary {
        var failures: [TBError] = []
        var summary = Summary(guests: guests.count, filesWritten: 0, filesUnchanged: 0, changedGuests: [],
                              removedFolders: [], foreignFolders: [])
        for (guest, result) in zip(guests, results) {
            switch result {
            case .failure(let e): failures.append(e)
            case .success(let written):
                summary.filesWritten += written
                summary.filesUnchanged += GuestArtefacts.fileNames.count - written
                if written > 0 { summary.changedGuests.append(guest.name) }
            }
        }
        if failures.count == 1 { throw failures[0] }
        if let first = failures.first {
            throw TBError(first.code, "artefacts failed for \(failures.count) guests",
                          cause: failures.map(\.description).joined(separator: "\n"))
        }
        return summary
    }

    /// A folder counts as a guest's when it holds nothing but artefact files: anything else
    /// there was not written by tbctl, and a wrong `dir` must not delete someone's data.
    private static func removeStaleFolders(in dir: String, keeping guests: Set<String>) throws -> ([String], [String]) {
        var removed: [String] = [], foreign: [String] = []
        let fm = FileManager.default
        for name in try fm.contentsOfDirectory(atPath: dir).sorted() where !guests.contains(name) {
            let path = dir + "/" + name
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue else { continue }
            let entries = (try? fm.contentsOfDirectory(atPath: path)) ?? [""]
            if entries.allSatisfy({ GuestArtefacts.fileNames.contains($0) || FileSync.isTemporary($0) }) {
                do { try fm.removeItem(atPath: path) } catch {
                    throw TBError(.io, "cannot remove \(path)", underlying: error)
                }
                removed.append(name)
            } else {
                foreign.append(name)
            }
        }
        return (removed, foreign)
    }

    /// Guest names become folder names: refuse anything that would leave `dir`.
    private static func checkFolderName(_ guest: Guest) throws {
        guard !guest.name.isEmpty, guest.name != ".", guest.name != "..", !guest.name.utf8.contains(UInt8(ascii: "/")),
              !guest.name.utf8.contains(0) else {
            throw TBError(.invalidInput, "guest name \(guest.name) cannot be a folder name")
        }
    }

    private static func makeFolder(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch { throw TBError(.io, "cannot create \(path)", underlying: error) }
    }
}
