import Foundation

/// Children tbctl starts with posix_spawn (a detached run, jobs on the master) must not keep
/// tbctl's other descriptors: a pipe inherited that way stays open as long as the child
/// lives, and whoever reads its other end (a shell's `$(...)`, a test) waits for it.
public enum SpawnDescriptors {
    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// glibc's posix_spawn_file_actions_addclosefrom_np (2.34+; not exported to Swift).
    private static let closeFrom: CloseFrom? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: CloseFrom.self)
    }()

    /// Closes every descriptor from `first` on in the child. Without the glibc call, marks
    /// this process's descriptors close-on-exec instead (which changes nothing here until an exec).
    public static func closeAll(from first: Int32, in actions: inout posix_spawn_file_actions_t) {
        if let closeFrom, closeFrom(&actions, first) == 0 { return }
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for case let fd? in fds.map({ Int32($0) }) where fd >= first {
            let flags = fcntl(fd, F_GETFD)
            if flags >= 0 { _ = fcntl(fd, F_SETFD, flags | FD_CLOEXEC) }
        }
    }
}
