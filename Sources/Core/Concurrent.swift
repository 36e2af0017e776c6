import Foundation

// The one bounded fan-out of the project. Children record their results into a locked array
// and return nothing through the task group: an optimised Swift 6 build was seen to corrupt
// (String, Result) tuples handed back through `withTaskGroup`.

/// Maps concurrently, keeping order, with at most `limit` items in flight. libvirt calls block,
/// so each runs off the cooperative pool anyway; this just lets many RPCs be in flight at once.
/// Every item runs; each gives its own result.
public func concurrentResults<T: Sendable, R: Sendable>(_ items: [T], limit: Int = 16,
                                                         _ body: @escaping @Sendable (T) async throws -> R) async -> [Result<R, any Error>] {
    let results = Locked([Result<R, any Error>?](repeating: nil, count: items.count))
    await withTaskGroup(of: Void.self) { group in
        var next = 0
        func add() {
            let i = next
            next += 1
            group.addTask {
                let r: Result<R, any Error>
                do { r = .success(try await body(items[i])) } catch { r = .failure(error) }
                results.withLock { $0[i] = r }
            }
        }
        while next < min(limit, items.count) { add() }
        for await _ in group {
            if next < items.count { add() }
        }
    }
    return results.current.map { $0! }
}

/// `concurrentResults`, throwing the first item's error (in item order) if any failed.
public func concurrentMap<T: Sendable, R: Sendable>(_ items: [T], limit: Int = 16,
                                                     _ body: @escaping @Sendable (T) async throws -> R) async throws -> [R] {
    try await concurrentResults(items, limit: limit, body).map { try $0.get() }
}
