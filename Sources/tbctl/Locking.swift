import Apply
import Foundation
import Project
import TestbedState

extension Project {
    /// The project lock, for commands that compile and then change the testbed. Taken before
    /// compiling: compiling rewrites state.json and the artefacts, which a running `up`,
    /// `scale` or `snapshot` reads as it goes. nil when there is no compose file (compiling
    /// then says so).
    func lock(for command: String) throws -> ProjectLock? {
        guard FileManager.default.fileExists(atPath: workspace.composeFile) else { return nil }
        try workspace.ensureRoot()
        return try ProjectLock(path: workspace.path("lock"), command: command)
    }

    /// The compiled state for commands that only read (`plan`, `show`): the lock is taken only
    /// when the compose file changed and compiling is due, and released right after.
    func stateForReading(_ command: String) throws -> TestbedState {
        if let state = compiledState() { return state }
        let lock = try lock(for: command)
        defer { withExtendedLifetime(lock) {} }
        return try currentState()
    }
}
