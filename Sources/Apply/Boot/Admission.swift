/// Admission of guest boots on one host: at most `limit` guests boot at once, the others wait
/// in order. A guest holds its place from its start until it is ready (or given up), so new
/// starts follow the rate at which the host finishes boots, not a clock or a batch size.
actor BootGate {
    let limit: Int
    private(set) var booting = 0
    private var queue: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) { self.limit = max(1, limit) }

    /// Waits for a place. Not cancellable while queued: `up` is interrupted as a whole.
    func enter() async {
        if booting < limit && queue.isEmpty { booting += 1; return }
        await withCheckedContinuation { queue.append($0) }
    }

    /// Gives the place to the next queued guest, if any.
    func leave() {
        if queue.isEmpty { booting -= 1 } else { queue.removeFirst().resume() }
    }

    /// The derived limit: two boots per core keep every core busy while some guests wait on
    /// I/O or DHCP, without the thrashing of all at once (docs/scale.md has the measurements).
    static func derivedLimit(cpus: Int) -> Int { max(2, 2 * cpus) }
}
