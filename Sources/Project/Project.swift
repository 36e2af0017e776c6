import Artefacts
import Compiler
import Compose
import ComposeModel
import Core
import Foundation
import TestbedState
import Workspace

/// A project on disk: its compose file and `.testbed/`. Runs the front half of the pipeline:
/// compose -> state -> artefacts.
public struct Project: Sendable {
    public let workspace: Workspace

    public init(composeFile: String) { workspace = Workspace(composeFile: composeFile) }

    /// Scale overrides recorded by `tbctl scale` (see docs/scale.md for how they meet `replicas`).
    public struct ScaleOverride: Codable, Sendable, Equatable {
        public var replicas: Int
        /// The compose file's `replicas` when the override was made: if the file changes it, the file wins.
        public var composeReplicas: Int
        public init(replicas: Int, composeReplicas: Int) { self.replicas = replicas; self.composeReplicas = composeReplicas }
    }

    public func scaleOverrides() throws -> [String: ScaleOverride] {
        try workspace.readJSON([String: ScaleOverride].self, "scale.json") ?? [:]
    }

    /// Loads and validates the compose file (every error at once).
    public func loadCompose() throws -> ComposeFile {
        do { return try ComposeLoader.load(path: workspace.composeFile) } catch let e as ComposeError {
            throw e.asTBError
        }
    }

    /// Compiles the compose file against the previous state and writes state.json and the artefacts.
    /// `local`: local mode (`up --local`) or not; nil keeps the previous state's mode.
    @discardableResult
    public func generate(overrides extra: [String: ScaleOverride] = [:], local: Bool? = nil) throws -> TestbedState {
        try generateWithSummary(overrides: extra, local: local).state
    }

    public func generateWithSummary(overrides extra: [String: ScaleOverride] = [:], local: Bool? = nil) throws
        -> (state: TestbedState, artefacts: ArtefactWriter.Summary) {
        let compose = try loadCompose()
        guard let bytes = FileManager.default.contents(atPath: workspace.composeFile) else {
            throw TBError(.io, "cannot read \(workspace.composeFile)")
        }
        try workspace.ensureRoot()
        let key = try workspace.projectKey(project: compose.project)
        // An unreadable previous state stops here (what is wrong, what to do): compiling
        // without it would give guests other addresses, MACs and hosts.
        let previous = try TestbedState.loadIfPresent(from: workspace.stateFile)
        let cache = DigestCache(workspace: workspace)
        let overrides = try scaleOverrides().merging(extra) { _, new in new }
        let replicas = effectiveReplicas(compose, overrides)
        let state: TestbedState
        let previousState = previous?.project == compose.project ? previous : nil
        do {
            var input = CompileInput(
                compose: compose, composeDigest: Digest.sha256Hex(bytes), projectKey: key,
                previous: previousState,
                replicaOverrides: replicas, knownHostsFile: workspace.knownHosts,
                digest: { try cache.digest($0) }, header: fileHeader)
            input.local = local ?? previousState?.isLocal ?? false
            state = try Compiler.compile(input)
        } catch let e as ComposeError { throw e.asTBError }
        try cache.save()
        try writeFile(workspace.stateFile, try state.encoded(), mode: 0o644)
        let summary = try ArtefactWriter.write(state: state, projectSecret: key.seed, to: workspace.artefacts,
                                               loadUserData: { try UserDataFile.load($0) })
        // OpenSSH access files (guests' host keys, ssh_config) exist whenever the state does.
        try SSHConfig.write(state, workspace: workspace)
        return (state, summary)
    }

    /// An override counts while the compose file still says what it said when the override was made.
    func effectiveReplicas(_ compose: ComposeFile, _ overrides: [String: ScaleOverride]) -> [String: Int] {
        var out: [String: Int] = [:]
        for g in compose.guests {
            if let o = overrides[g.name], let r = g.replicas, o.composeReplicas == r { out[g.name] = o.replicas }
        }
        return out
    }

    /// The compiled state, recompiled first when missing or older than the compose file, or
    /// (`local` given: `up`) compiled for the other mode.
    public func currentState(local: Bool? = nil) throws -> TestbedState {
        if let state = compiledState(), local == nil || state.isLocal == local { return state }
        return try generate(local: local)
    }

    /// The compiled state when it is up to date with the compose file; nil when compiling
    /// is due (it rewrites state.json and the artefacts; an unreadable state.json makes
    /// compiling stop with what to do).
    public func compiledState() -> TestbedState? {
        guard let state = try? TestbedState.load(from: workspace.stateFile),
              let bytes = FileManager.default.contents(atPath: workspace.composeFile),
              state.composeDigest == Digest.sha256Hex(bytes),
              FileManager.default.fileExists(atPath: workspace.artefacts) else { return nil }
        return state
    }
}
