import Core
import Foundation
import TestbedState

/// Where a project's files live: `.testbed/` beside the compose file.
///
///     .testbed/state.json            compiled testbed
///     .testbed/id_ed25519(.pub)      project key: logs in to every guest; its seed derives guest host keys
///     .testbed/known_hosts           host keys of remote testbed hosts (trust on first use)
///     .testbed/guests_known_hosts    every guest's generated host key, for OpenSSH (derived from the state)
///     .testbed/appliances_known_hosts host keys of guests without a seed (trust on first use)
///     .testbed/ssh_config            OpenSSH config: a Host entry per guest and remote host (`tbctl ssh-config`)
///     .testbed/artefacts/<guest>/    meta-data, user-data, network-config, seed.iso, domain.xml
///     .testbed/setup.json            which setup scripts ran where
///     .testbed/scale.json            `tbctl scale` overrides of replicas
///     .testbed/snapshots.json        testbed snapshots
///     .testbed/digests.json          cache of image SHA-256 by (path, size, mtime)
///     .testbed/lock                  held by up/down/scale/snapshot
public struct Workspace: Sendable {
    public let composeFile: String
    public let root: String

    public init(composeFile: String) {
        let abs = URL(fileURLWithPath: composeFile).standardizedFileURL.path
        self.composeFile = abs
        self.root = URL(fileURLWithPath: abs).deletingLastPathComponent().appendingPathComponent(".testbed").path
    }

    public func path(_ name: String) -> String { root + "/" + name }
    public var stateFile: String { path("state.json") }
    public var keyFile: String { path("id_ed25519") }
    public var knownHosts: String { path("known_hosts") }
    /// Guests' host keys under their `HostKeyAlias`, for OpenSSH; rewritten from the state.
    public var guestKnownHosts: String { path("guests_known_hosts") }
    /// Host keys of guests with `seed: none`, recorded at first contact under their domain name.
    public var applianceKnownHosts: String { path(Names.applianceKnownHostsFile) }
    /// The OpenSSH config `tbctl ssh` runs `ssh -F` with (the same text `tbctl ssh-config` prints).
    public var sshConfig: String { path("ssh_config") }
    public var artefacts: String { path("artefacts") }
    public func artefacts(of guest: String) -> String { artefacts + "/" + guest }

    public func ensureRoot() throws {
        do { try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true) } catch {
            throw TBError(.io, "cannot create \(root)", underlying: error)
        }
    }

    /// The project key, generated once (ed25519, unencrypted, 0600) and reused.
    public func projectKey(project: String) throws -> Ed25519Key {
        if let text = try? String(contentsOfFile: keyFile, encoding: .utf8) {
            return try Ed25519Key.parsePEM(text)
        }
        try ensureRoot()
        let key = try Ed25519Key.generate()
        try writeFile(keyFile, Data(key.privatePEM(comment: "tbctl-\(project)").utf8), mode: 0o600)
        try writeFile(keyFile + ".pub", Data((key.publicLine(comment: "tbctl-\(project)") + "\n").utf8), mode: 0o644)
        return key
    }

    /// Reads a JSON file of the workspace, or nil when it does not exist.
    public func readJSON<T: Decodable>(_ type: T.Type, _ name: String) throws -> T? {
        guard let data = FileManager.default.contents(atPath: path(name)) else { return nil }
        do { return try JSONDecoder().decode(T.self, from: data) } catch {
            var e = TBError(.invalidInput, "\(path(name)) is damaged (\(DecodingProblem.describe(error))): restore it from a backup, or delete it (tbctl then forgets what it recorded there)",
                            underlying: error)
            e.cause = nil
            throw e
        }
    }

    /// Writes a JSON file atomically (sorted keys, so it diffs well).
    public func writeJSON<T: Encodable>(_ value: T, _ name: String) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try ensureRoot()
        try writeFile(path(name), try enc.encode(value) + Data([0x0a]), mode: 0o644)
    }
}

/// Writes atomically (temp file + rename) so a crash never leaves half a file.
public func writeFile(_ path: String, _ data: Data, mode: Int) throws {
    let tmp = path + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    guard FileManager.default.createFile(atPath: tmp, contents: data, attributes: [.posixPermissions: mode]) else {
        throw TBError(.io, "cannot write \(path)")
    }
    guard rename(tmp, path) == 0 else {
        unlink(tmp)
        throw TBError(.io, "cannot write \(path): \(String(cString: strerror(errno)))")
    }
}
