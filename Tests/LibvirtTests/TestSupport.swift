import Foundation
import Glibc
import Testing
import Core
@testable import Libvirt

/// A name no other (parallel) test uses. test:///default is one shared in-process driver for
/// every connection of the process, and qemu:///system is shared by everyone on the machine.
func uniqueName(_ what: String) -> String {
    "tbtest-\(what)-\(UUID().uuidString.prefix(8).lowercased())"
}

/// libvirt's built-in test driver: a known set of objects (domain "test", network "default",
/// pool "default-pool"), no daemon needed.
func openTestDriver() async throws -> LibvirtConnection {
    _ = try await eventKeeper.value
    return try await LibvirtConnection.open("test:///default")
}

/// Every test:///default connection of the process shares one driver state, events included.
/// This connection stays subscribed for the whole run, so libvirt's event timer for that state
/// is never removed by a test closing the last subscribed connection while another test
/// queues an event (the race EventSubscriptions describes).
private let eventKeeper = Task { () throws -> LibvirtConnection in
    let connection = try await LibvirtConnection.open("test:///default")
    _ = try await connection.lifecycleEvents()
    return connection
}

struct DaemonNotRunning: Error, CustomStringConvertible {
    var cause: String
    var description: String {
        "these tests need libvirtd: start it with `virtlogd -d; libvirtd -d` (the project's test script does)\n  \(cause)"
    }
}

/// The real daemon. Fails with a clear message when it is not running.
func openSystem() async throws -> LibvirtConnection {
    do {
        return try await LibvirtConnection.open("qemu:///system")
    } catch {
        throw DaemonNotRunning(cause: "\(error)")
    }
}

/// A small domain for the test driver.
func testDomainXML(_ name: String) -> String {
    """
    <domain type='test'>
      <name>\(name)</name>
      <memory unit='MiB'>64</memory>
      <vcpu>1</vcpu>
      <os><type arch='x86_64'>hvm</type></os>
    </domain>
    """
}

/// Runs `body` with a running dir pool in a fresh temporary directory, then deletes every
/// volume, the pool and the directory, also when `body` throws.
func withDirPool<T>(_ connection: LibvirtConnection, _ body: (StoragePool, String) async throws -> T) async throws -> T {
    let name = uniqueName("pool")
    let dir = NSTemporaryDirectory() + name
    let pool = try await connection.defineStoragePool(xml: """
        <pool type='dir'><name>\(name)</name><target><path>\(dir)</path></target></pool>
        """)
    do {
        try await pool.build()
        try await pool.create()
        let result = try await body(pool, dir)
        try await removePool(pool, dir)
        return result
    } catch {
        try? await removePool(pool, dir)
        throw error
    }
}

private func removePool(_ pool: StoragePool, _ dir: String) async throws {
    defer { try? FileManager.default.removeItem(atPath: dir) }
    if try await pool.isActive() {
        try await pool.refresh()
        for volume in try await pool.volumes() { try await volume.delete() }
        try await pool.destroy()
        try await pool.delete()
    }
    try await pool.undefine()
}

/// Runs a program (off the cooperative pool) and fails the test when it exits non-zero.
func run(_ program: String, _ arguments: [String]) async throws -> String {
    try await blocking { try runBlocking(program, arguments) }
}

private func runBlocking(_ program: String, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = arguments
    let out = Pipe()
    process.standardOutput = out
    process.standardError = out
    try process.run()
    let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw DaemonNotRunning(cause: "\(program) \(arguments.joined(separator: " ")) failed: \(output)")
    }
    return output
}

/// Bytes a file occupies on disk.
func allocatedBytes(_ path: String) -> UInt64 {
    var st = stat()
    guard stat(path, &st) == 0 else { return 0 }
    return UInt64(st.st_blocks) * 512
}

/// Writes a sparse file: `data` bytes of pattern at each given offset, holes in between,
/// and the given total length.
func writeSparseFile(_ path: String, length: Int, dataAt offsets: [Int], dataLength: Int) throws {
    _ = FileManager.default.createFile(atPath: path, contents: nil)
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    defer { try? handle.close() }
    for (index, offset) in offsets.enumerated() {
        try handle.seek(toOffset: UInt64(offset))
        let chunk = Data((0..<dataLength).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index &+ 1) })
        try handle.write(contentsOf: chunk)
    }
    try handle.truncate(atOffset: UInt64(length))
}

func filesEqual(_ a: String, _ b: String) async throws -> Bool {
    try await blocking { try Data(contentsOf: URL(fileURLWithPath: a)) == Data(contentsOf: URL(fileURLWithPath: b)) }
}

/// Collects events for one domain until `count` arrived (or the stream ends).
func collect(_ events: AsyncStream<DomainLifecycleEvent>, for name: String, count: Int) async -> [DomainLifecycleEvent.Kind] {
    var kinds: [DomainLifecycleEvent.Kind] = []
    for await event in events where event.domainName == name {
        kinds.append(event.kind)
        if kinds.count == count { break }
    }
    return kinds
}

let MiB = 1 << 20
