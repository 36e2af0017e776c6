import Core
import Foundation
import Hosts
import Vocabulary

extension Executor {
    /// `disk: {copy: full}`: a standalone qcow2 copy of the image (its whole backing chain
    /// flattened, so it has no backing file), made on the guest's host by `qemu-img convert`
    /// (sparse: zero clusters are not written), then compared with the image as the guest
    /// sees it (`qemu-img compare`) like golden copies are verified; a copy that differs is
    /// deleted and the action fails.
    func createFullCopy(_ name: String, of source: String, format: ImageFormat, capacity: Int64?,
                        on host: any HostConnection) async throws {
        let pool = try await pool(host)
        try await deleteVolume(name, in: pool)
        guard let base = try await pool.volume(named: source) else {
            throw TBError(.notFound, "image \(source) to copy is missing on host \(host.name)")
        }
        let from = try await base.path()
        let to = host.spec.poolPath + "/" + name
        _ = try await host.runner.check(["qemu-img", "convert", "-f", format.rawValue, "-O", "qcow2",
                                         "-o", "compat=1.1", from, to])
        let virtual = Int64(try await base.info().capacity)
        if let capacity, capacity > virtual {
            _ = try await host.runner.check(["qemu-img", "resize", "-f", "qcow2", to, String(capacity)])
        }
        let compared = try await host.runner.run(["qemu-img", "compare", "-f", format.rawValue, "-F", "qcow2", from, to])
        guard compared.status == 0 else {
            _ = try? await host.runner.run(["rm", "-f", to])
            try? await host.poolLock.withLock { try await pool.refresh() }
            throw TBError(.io, "the full copy \(name) on host \(host.name) does not match image \(source)",
                          cause: (compared.stdout + compared.stderr).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        // The pool learns of a file made beside libvirt only by a refresh.
        try await host.poolLock.withLock { try await pool.refresh() }
        progress.detail("full copy \(name) on \(host.name) of \(source), verified with qemu-img compare")
    }
}
