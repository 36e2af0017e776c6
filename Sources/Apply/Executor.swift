import Core
import Hosts
import Plan
import TestbedState

/// Carries out one action. Every action is idempotent: it checks what exists first, so running
/// it again after an interruption finishes the job instead of failing or duplicating.
struct Executor: Sendable {
    let context: ApplyContext
    var progress: Progress { context.progress }

    func execute(_ action: Action) async throws {
        try await attributed(action) {
            switch action {
            case .createPool(let h): try await createPool(try context.host(h))
            case .createManagementNetwork(let h), .startManagementNetwork(let h), .updateDHCPHosts(let h):
                try await ensureManagementNetwork(try context.host(h))
            case .configureBridges(let h, _): try await configureBridges(try context.host(h))
            case .importImage(let i, let h): try await importImage(i, on: try context.host(h))
            case .buildGolden(let s, let h): try await buildGolden(s, on: try context.host(h))
            case .copyGolden(let s, let from, let to):
                try await copyGolden(s, from: try context.host(from), to: try context.host(to))
            case .createDisk(let g, _), .copyDisk(let g, _), .recreateDisk(let g, _, _): try await createDisk(try context.guest(g))
            case .uploadSeed(let g, _): try await uploadSeed(try context.guest(g))
            case .defineDomain(let g, _): try await defineDomain(try context.guest(g))
            case .stopDomain(let g, _): try await stopDomain(try context.guest(g))
            case .startDomain(let g, _): try await startDomain(try context.guest(g))
            case .waitReady(let g, _): try await waitReady(try context.guest(g))
            case .runSetup(let g, _): try await runSetup(try context.guest(g))
            case .removeDomain(let d, let h): try await removeDomain(d, on: try context.host(h))
            case .removeVolume(let v, let h): try await removeVolume(v, on: try context.host(h))
            }
        }
    }

    /// Runs `body` for `action`; its error names the action, its guest and host.
    func attributed<T>(_ action: Action, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            let about: String
            switch action {
            case .buildGolden(let s, let h):
                let builder = context.state.service(named: s)?.golden?.builder ?? "\(s)-golden"
                about = "golden image of \(s) (builder \(builder)) on host \(h)"
            case .copyGolden(let s, let from, let to): about = "golden image of \(s) copied from host \(from) to host \(to)"
            default: about = action.guest.map { "guest \($0) on host \(action.host)" } ?? "host \(action.host)"
            }
            throw error.asTBError(.internalError, "\(action.summary) failed").about(about)
        }
    }
}
