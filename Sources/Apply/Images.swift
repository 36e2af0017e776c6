import Core
import Foundation
import Hosts
import TestbedState

extension Executor {
    /// Imports a base image through the libvirt storage API (works the same for remote hosts),
    /// after checking the local file still has the SHA-256 the state was compiled with.
    func importImage(_ name: String, on host: any HostConnection) async throws {
        guard let image = context.state.image(named: name) else { throw TBError(.notFound, "no image \(name)") }
        let path = image.isURL ? try await ImageDownload.fetch(image, cache: context.workspace.path("cache")) : image.source
        let actual = try await blocking { try Digest.sha256Hex(fileAt: path) }
        if let expected = image.sha256, actual != expected {
            if image.isURL { try? FileManager.default.removeItem(atPath: path) }   // never reuse a bad download
            let why = image.isURL ? "the download from \(image.source) has sha256 \(actual), not the declared \(expected)"
                                  : "\(image.source) changed since it was compiled (sha256 \(actual), expected \(expected)); "
                                    + "run `tbctl generate-artefacts` to use the new file (the disks made from the old one are then made again from it)"
            throw TBError(.invalidInput, "image \(name): \(why)")
        }
        try await uploadVolume(image.volume, from: path, to: host, digest: image.recordedDigest, isImage: true)
    }

    /// Builds a service's golden image once: an overlay of the base image, booted with its own
    /// seed, the golden setup run over SSH, the image sealed for cloning and powered off from
    /// inside over that same SSH session (GuestShutdown; waited for by libvirt lifecycle event,
    /// not by polling) so the filesystem is consistent for the clones.
    func buildGolden(_ service: String, on host: any HostConnection) async throws {
        guard let golden = context.state.service(named: service)?.golden else { return }
        let builder = try context.guest(golden.builder)
        try context.update { $0.setVolume(host.name, golden.volume, nil) }
        try await removeDomainIfPresent(builder.domain, on: host)
        try await createOverlay(golden.volume, backing: builder.disk.backingVolume, format: builder.disk.backingFormat,
                                capacity: builder.disk.capacityBytes, on: host)
        try await uploadSeed(builder)
        do {
            try await defineDomain(builder)
            // Waited for like any boot: as long as it makes progress, restarted once on a panic;
            // the session that found it ready (a builder that waits on a port opens one) runs
            // its setup, seal and poweroff.
            let booted = try await Boots(context: context, policy: context.bootPolicy).bootAlone(builder)
            let session: any GuestSession
            if let booted { session = booted } else {
                session = try await host.guestSession(builder, user: context.state.user, keyFile: context.workspace.keyFile, timeout: .seconds(60))
            }
            try await session.closing {
                try await runScript(builder, path: golden.setup, on: $0)
                try await seal(builder, on: $0)
                try await shutDownBuilder(builder, on: host, session: $0)
            }
        } catch {
            // A failed build leaves no builder running (it holds memory until the next `up`);
            // the overlay has no record, so the next `up` builds it again.
            try? await Task.detached { try await self.removeDomainIfPresent(builder.domain, on: host) }.value
            throw error
        }
        try context.update { $0.setVolume(host.name, golden.volume, "built:\(golden.setupDigest)") }
    }

    /// Cleans what every clone must have of its own out of the builder (GuestShutdown.sealScript).
    private func seal(_ builder: Guest, on session: any GuestSession) async throws {
        let result = try await session.exec(GuestShutdown.sealCommand(user: context.state.user))
        guard result.succeeded else {
            throw TBError(.command, "cannot seal golden builder \(builder.name) for cloning (exit status \(result.status))",
                          cause: (result.stderr.isEmpty ? result.stdout : result.stderr).split(separator: "\n").suffix(5).joined(separator: "\n"))
        }
        progress.detail("\(builder.name): sealed for cloning (cloud-init state, machine-id, host keys, logs)")
    }

    /// Powers the sealed builder off (from inside first, see `shutDown`) and removes its domain.
    private func shutDownBuilder(_ builder: Guest, on host: any HostConnection, session: any GuestSession) async throws {
        guard let dom = try await host.libvirt.domain(named: builder.domain) else {
            throw TBError(.notFound, "golden builder \(builder.name) vanished during its setup", object: "host \(host.name)")
        }
        let how = try await shutDown(builder, on: host, session: session)
        progress.detail("\(builder.name): \(how)")
        try await dom.undefine()
    }

    /// Copies a built golden image to another host, host to host through libvirt streams
    /// (sparse: holes are not sent). Its backing path, the base image in the same pool path,
    /// is valid there because every host uses the same pool path.
    func copyGolden(_ service: String, from: any HostConnection, to: any HostConnection) async throws {
        guard let golden = context.state.service(named: service)?.golden else { return }
        // Only a build that finished is copied: an overlay left by a failed one has no record.
        guard context.currentRecord.volume(from.name, golden.volume) == "built:\(golden.setupDigest)" else {
            throw TBError(.notFound, "golden image \(golden.volume) on host \(from.name) is not built (its build failed or never ran)")
        }
        guard let source = try await pool(from).volume(named: golden.volume) else {
            throw TBError(.notFound, "golden image \(golden.volume) is missing on host \(from.name)")
        }
        let pool = try await pool(to)
        try context.update { $0.setVolume(to.name, golden.volume, nil) }
        try await to.poolLock.withLock {
            try await deleteVolume(golden.volume, in: pool)
            let info = try await source.info()
            let sink = try await pool.createRawVolume(named: golden.volume, bytes: Int64(info.allocation))
            let stats = try await source.copy(to: sink)
            progress.detail("copied \(golden.volume) \(from.name) -> \(to.name): \(stats)")
            try await pool.refresh()
        }
        try await verifyCopy(golden.volume, from: from, to: to)
        try context.update { $0.setVolume(to.name, golden.volume, "built:\(golden.setupDigest)") }
    }

    /// The copy must have the bytes of the original: SHA-256 on both hosts (holes read as
    /// zeros on both sides), or the copy is deleted and the action fails.
    func verifyCopy(_ volume: String, from: any HostConnection, to: any HostConnection) async throws {
        async let a = from.runner.check(["sha256sum", from.spec.poolPath + "/" + volume])
        async let b = to.runner.check(["sha256sum", to.spec.poolPath + "/" + volume])
        let (src, dst) = try await (a.split(separator: " ").first.map(String.init), b.split(separator: " ").first.map(String.init))
        guard let src, src == dst else {
            try? await deleteVolume(volume, in: try await pool(to))
            throw TBError(.io, "the copy of \(volume) on host \(to.name) does not match the original on \(from.name)",
                          cause: "sha256 \(src ?? "?") on \(from.name), \(dst ?? "?") on \(to.name)")
        }
        progress.detail("verified \(volume) on \(to.name): sha256 \(src)")
    }
}
