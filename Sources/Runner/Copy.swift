import Core
import Foundation
import Scenario

/// `copy`: a file, or a folder's contents, from the master to the target. A folder goes as
/// one tar archive (packed once per run, unpacked by the target's tar), so a tree of many
/// small files costs one upload.
struct Copy {
    let instance: Instance
    let id: Int64
    let sink: OutputSink

    func run(_ source: String, to destination: String, mode: Int?) async throws -> Instance.Outcome {
        let ctx = instance.ctx
        guard let target = instance.target else { throw TBError(.internalError, "a copy without a target") }
        let local = source.hasPrefix("/") ? source : ctx.plan.current.scenario.folder + "/" + source
        guard destination.hasPrefix("/") else {
            return .failed(status: nil, why: "`dest` must be an absolute path on the target, got `\(destination)`")
        }
        guard let kind = FileSystem().kind(of: local) else { return .failed(status: nil, why: "no file or folder \(local)") }
        let session = try await ctx.session(target)
        switch kind {
        case .file:
            let path = destination.hasSuffix("/") ? destination + (local as NSString).lastPathComponent : destination
            try await session.upload(file: local, to: path, mode: mode)
            return .passed
        case .directory:
            if mode != nil { return .failed(status: nil, why: "`mode` applies to a file; \(local) is a folder (its files keep their modes)") }
            let archive = try await ctx.archives.archive(of: local)
            let remote = "/tmp/.tbctl-copy-\(ctx.tags.project)-\(ctx.runID)-\(id).tar"
            try await session.upload(file: archive, to: remote, mode: 0o600)
            let dest = shellQuote(destination)
            let unpack = "mkdir -p \(dest) && tar -xf \(shellQuote(remote)) -C \(dest); s=$?; rm -f \(shellQuote(remote)); exit $s"
            let line = ctx.access.prepare(ctx.tags.wrap(unpack, job: id), for: target)
            return Instance.outcome(try await session.exec(line, output: sink.write))
        }
    }
}
