import Core
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TestbedState

/// http(s) base images: downloaded once into the project's cache (`.testbed/cache/<volume>`),
/// where the next `up` finds them; the caller verifies the declared SHA-256 before uploading.
enum ImageDownload {
    static let lock = AsyncMutex()

    static func fetch(_ image: Image, cache: String) async throws -> String {
        try FileManager.default.createDirectory(atPath: cache, withIntermediateDirectories: true)
        let target = cache + "/" + image.volume
        // One download per image even when several hosts need it at once.
        return try await lock.withLock {
            if FileManager.default.fileExists(atPath: target) { return target }
            guard let url = URL(string: image.source) else { throw TBError(.invalidInput, "image \(image.name): bad URL \(image.source)") }
            let (tmp, response): (URL, URLResponse)
            do { (tmp, response) = try await URLSession.shared.download(from: url) } catch {
                throw TBError(.io, "image \(image.name): cannot download \(image.source)", underlying: error)
            }
            guard let http = response as? HTTPURLResponse, http.statusCode == 200 else {
                try? FileManager.default.removeItem(at: tmp)
                let code = (response as? HTTPURLResponse)?.statusCode ?? 0
                throw TBError(.io, "image \(image.name): \(image.source) answered HTTP \(code)")
            }
            // URLSession's file may sit on another filesystem: copy it next to the target
            // first, so the target appears whole or not at all (a killed copy leaves a .part).
            let part = target + ".part"
            defer { try? FileManager.default.removeItem(at: tmp) }
            try? FileManager.default.removeItem(atPath: part)
            guard rename(tmp.path, target) == 0
                    || ((try? FileManager.default.copyItem(atPath: tmp.path, toPath: part)) != nil && rename(part, target) == 0) else {
                try? FileManager.default.removeItem(atPath: part)
                throw TBError(.io, "image \(image.name): cannot keep the download in \(target)")
            }
            return target
        }
    }
}
