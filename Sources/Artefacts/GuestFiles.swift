import Core
import Foundation
import TestbedState

/// One cloud-init `write_files` entry.
public struct WriteFile: Sendable, Equatable {
    /// Absolute path in the guest.
    public var path: String
    /// Permission bits (e.g. 0o644), written as `'0644'`.
    public var permissions: Int
    public var content: [UInt8]
    public init(path: String, permissions: Int, content: [UInt8]) {
        self.path = path; self.permissions = permissions; self.content = content
    }
}

/// A regular file found under a `files` source: a single file has the relative path "".
public struct SourceFile: Sendable, Equatable {
    public var relativePath: String
    public var permissions: Int
    public var content: [UInt8]
}

/// What a guest's `files` and `env` become in the seed.
public enum GuestFiles {
    public static let envScriptPath = "/etc/profile.d/tbctl-env.sh"

    /// The env script first (login shells source /etc/profile.d), then each source in state order.
    /// `read` gives the files under a source path (`SourceTree.read`, or a cache of it).
    public static func writeFiles(for guest: Guest,
                                  read: (String) throws -> [SourceFile]) throws -> [WriteFile] {
        do {
            var out: [WriteFile] = []
            if let env = try envScript(guest.env) { out.append(env) }
            for file in guest.files {
                out += try read(file.source).map { entry(for: $0, source: file.source, destination: file.destination) }
            }
            return out
        } catch {
            throw error.asTBError(.io).about("guest \(guest.name)")
        }
    }

    /// `export K='v'` per variable, sorted by name so the same env gives the same bytes.
    public static func envScript(_ env: [String: String]) throws -> WriteFile? {
        guard !env.isEmpty else { return nil }
        var text = "# Written by tbctl from the compose file's env.\n"
        for (key, value) in env.sorted(by: { $0.key < $1.key }) {
            guard isShellName(key) else {
                throw TBError(.invalidInput, "env name \(key) is not a shell variable name")
            }
            text += "export \(key)='" + value.replacingOccurrences(of: "'", with: "'\\''") + "'\n"
        }
        return WriteFile(path: envScriptPath, permissions: 0o644, content: Array(text.utf8))
    }

    /// A file keeps its relative path under the destination; a single file goes to the
    /// destination itself, or into it (under its own name) when the destination ends with `/`.
    static func entry(for file: SourceFile, source: String, destination: String) -> WriteFile {
        let relative = file.relativePath.isEmpty
            ? (destination.hasSuffix("/") ? String(source.split(separator: "/").last ?? "") : "")
            : file.relativePath
        let path = relative.isEmpty ? destination
            : (destination.hasSuffix("/") ? destination : destination + "/") + relative
        return WriteFile(path: path, permissions: file.permissions, content: file.content)
    }

    static func isShellName(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic)
        else { return false }
        return s.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
    }
}
