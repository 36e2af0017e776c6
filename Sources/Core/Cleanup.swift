/// Runs `body`, then `cleanup`, whether `body` returned or threw: the `defer` that Swift does
/// not allow to `await` (closing connections and sessions is async).
public func withCleanup<T>(_ body: () async throws -> T, cleanup: () async -> Void) async rethrows -> T {
    let value: T
    do { value = try await body() } catch {
        await cleanup()
        throw error
    }
    await cleanup()
    return value
}
