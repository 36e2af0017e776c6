import Core
import Foundation
import Records
import Runner

/// The master itself, for jobs on `hosts:` that include it: its own shell, no SSH.
struct LocalTarget: TargetSession {
    func exec(_ commandLine: String, output: @escaping @Sendable (LogStream, [UInt8]) -> Void) async throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", commandLine]
        p.standardInput = FileHandle.nullDevice
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        do { try p.run() } catch { throw TBError(.command, "cannot start /bin/sh", underlying: error) }
        // Cancelling stops the wait, not the command: the run stops it by its tag, as on any target.
        return try await Once.race { finish in
            Thread.detachNewThread {
                let group = DispatchGroup()
                for (handle, stream) in [(out.fileHandleForReading, LogStream.stdout), (err.fileHandleForReading, .stderr)] {
                    group.enter()
                    Thread.detachNewThread {
                        while true {
                            let d = handle.availableData
                            if d.isEmpty { break }
                            output(stream, Array(d))
                        }
                        group.leave()
                    }
                }
                p.waitUntilExit()
                group.wait()
                let code = p.terminationReason == .uncaughtSignal ? 128 + p.terminationStatus : p.terminationStatus
                finish(.success(code))
            }
        }
    }

    func upload(file: String, to path: String, mode: Int?) async throws {
        try await blocking {
            let fm = FileManager.default
            let parent = (path as NSString).deletingLastPathComponent
            let tmp = path + ".tbctl-upload.\(getpid())"
            do {
                try fm.createDirectory(atPath: parent, withIntermediateDirectories: true)
                try? fm.removeItem(atPath: tmp)
                try fm.copyItem(atPath: file, toPath: tmp)
                if let mode { try fm.setAttributes([.posixPermissions: mode], ofItemAtPath: tmp) }
                guard rename(tmp, path) == 0 else { throw TBError(.io, String(cString: strerror(errno))) }
            } catch {
                try? fm.removeItem(atPath: tmp)
                throw TBError(.io, "cannot copy \(file) to \(path)", underlying: error)
            }
        }
    }

    func canConnect(to address: String, port: Int, timeout: Duration) async -> Bool {
        await blocking { TCPProbe.connects(address, port, timeout: timeout) }
    }
}

/// A continuation resumed by whichever comes first: the work, or the task's cancellation.
enum Once {
    static func race<T: Sendable>(_ start: @escaping @Sendable (@escaping @Sendable (Result<T, any Error>) -> Void) -> Void) async throws -> T {
        let slot = Locked<CheckedContinuation<T, any Error>?>(nil)
        let finish: @Sendable (Result<T, any Error>) -> Void = { r in slot.withLock { c in c?.resume(with: r); c = nil } }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, any Error>) in
                slot.withLock { $0 = c }
                if Task.isCancelled { finish(.failure(CancellationError())) } else { start(finish) }
            }
        } onCancel: {
            finish(.failure(CancellationError()))
        }
    }
}

/// One TCP connect with a time limit (local ports of the master).
enum TCPProbe {
    static func connects(_ address: String, _ port: Int, timeout: Duration) -> Bool {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(address, String(port), &hints, &list) == 0, let first = list else { return false }
        defer { freeaddrinfo(list) }
        let fd = socket(first.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if connect(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 { return true }
        guard errno == EINPROGRESS else { return false }
        var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        let ms = Int32(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        guard poll(&p, 1, max(1, ms)) == 1 else { return false }
        var err: Int32 = 0
        var len = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len)
        return err == 0
    }
}
