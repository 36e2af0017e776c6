import ComposeModel
import Core
import TestbedState
import Vocabulary

extension Context {
    /// Base images, named by content (`base-<name>-<sha12>.<format>`): a changed image is a new
    /// volume, so guests built on the old one are recreated rather than silently corrupted.
    mutating func images(_ instances: [Instance], placement: [String: String]) throws -> [TestbedState.Image] {
        try c.images.sorted { $0.name < $1.name }.map { spec in
            let digest = try imageDigest(spec)
            let isURL = spec.source.hasPrefix("http://") || spec.source.hasPrefix("https://")
            let format = spec.format ?? (isURL ? .qcow2 : detectFormat(spec.source))
            let users = Set(instances.filter { $0.spec.image == spec.name }.compactMap { placement[$0.name] })
            return TestbedState.Image(
                // A URL's content is known only once downloaded: its sha256 is the declared one.
                name: spec.name, source: spec.source, sha256: isURL ? spec.sha256 : digest, format: format,
                volume: "base-\(spec.name)-\(digest.prefix(12)).\(format.rawValue)",
                hosts: c.hosts.map(\.name).filter(users.contains))
        }
    }

    /// The declared SHA-256 must match a local file; a URL's content is known only on download,
    /// so a URL without sha256 is named by the URL itself.
    private mutating func imageDigest(_ spec: ImageSpec) throws -> String {
        if spec.source.hasPrefix("http://") || spec.source.hasPrefix("https://") {
            return spec.sha256 ?? Digest.sha256Hex(Array(spec.source.utf8))
        }
        let actual = try input.digest(spec.source)
        if let declared = spec.sha256, declared != actual {
            diagnostics.append(Diagnostic(mark: spec.mark, path: "images.\(spec.name).sha256",
                message: "image `\(spec.name)`: \(spec.source) has sha256 \(actual), not the declared \(declared)"))
        }
        return actual
    }

    private func detectFormat(_ source: String) -> ImageFormat {
        input.header(source).starts(with: [0x51, 0x46, 0x49, 0xfb]) ? .qcow2 : (source.hasSuffix(".raw") || source.hasSuffix(".img") ? .raw : .qcow2)
    }

    /// Services with their golden image: `golden-<service>-<hash>.qcow2`, the hash covering the
    /// base volume and the setup script, so changing either makes a new golden image.
    func services(_ instances: [Instance], images: [TestbedState.Image],
                  placement: [String: String]) throws -> [TestbedState.Service] {
        try c.guests.filter(\.isService).sorted { $0.name < $1.name }.map { spec in
            let clones = instances.filter { $0.role.kind == .clone && $0.role.service == spec.name }
            let golden = try spec.goldenSetup.map { setup -> TestbedState.Service.Golden in
                let base = images.first { $0.name == spec.image }!.volume
                let setupDigest = try input.digest(setup)
                let builder = Names.goldenBuilder(service: spec.name)
                let cloneHosts = Set(clones.compactMap { placement[$0.name] })
                return .init(host: placement[builder]!,
                             volume: "golden-\(spec.name)-\(Digest.sha256Hex(Array((base + setupDigest).utf8)).prefix(12)).qcow2",
                             builder: builder, setup: setup, setupDigest: setupDigest,
                             hosts: c.hosts.map(\.name).filter(cloneHosts.contains))
            }
            return .init(name: spec.name, image: spec.image, replicas: clones.count, golden: golden,
                         clones: clones.map(\.name))
        }
    }
}
