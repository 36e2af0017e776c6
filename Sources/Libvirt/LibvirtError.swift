import CLibvirt
import Core
import Glibc

// libvirt reports failure as NULL or -1 and keeps the details in thread-local storage. The
// details must therefore be read on the thread that made the call, right after it: every
// helper here wraps the C call inside the same `blocking { }` closure, e.g.
//     try await blocking { try check(virDomainCreate(h), "cannot start", object: o) }
// (`check` evaluates the call first, then reads the error on that same thread).

/// The calling thread's last libvirt error as a TBError (code .libvirt; libvirt's message and
/// error number in the cause).
func lastError(_ what: String, object: String?) -> TBError {
    guard let error = virGetLastError() else {
        return TBError(.libvirt, what, object: object, cause: "libvirt gave no details")
    }
    let message = error.pointee.message.map { String(cString: $0) } ?? "unknown libvirt error"
    let cause = "\(message) (libvirt error code \(error.pointee.code), error domain \(error.pointee.domain))"
    return TBError(.libvirt, what, object: object, cause: cause)
}

/// libvirt's error number for the calling thread's last failure (a virErrorNumber value).
func lastErrorCode() -> Int32 {
    virGetLastError()?.pointee.code ?? 0
}

/// Throws the thread's libvirt error when a call returned -1 (or any negative value).
@discardableResult
func check(_ result: Int32, _ what: String, object: String?) throws -> Int32 {
    guard result >= 0 else { throw lastError(what, object: object) }
    return result
}

/// Throws the thread's libvirt error when a call returned NULL.
func check<T>(_ result: T?, _ what: String, object: String?) throws -> T {
    guard let result else { throw lastError(what, object: object) }
    return result
}

/// A lookup: NULL with `notFound` as the error is "no such object" (nil), any other failure throws.
func lookup(_ result: OpaquePointer?, notFound: virErrorNumber, _ what: String, object: String?) throws -> OpaquePointer? {
    if let result { return result }
    if lastErrorCode() == Int32(notFound.rawValue) { return nil }
    throw lastError(what, object: object)
}

/// A string libvirt allocated for the caller: converted, then freed.
func takeString(_ pointer: UnsafeMutablePointer<CChar>?) -> String? {
    guard let pointer else { return nil }
    defer { free(pointer) }
    return String(cString: pointer)
}

/// Takes ownership of an array of object pointers libvirt allocated (virConnectListAll* and
/// friends): wraps every element, then frees the array itself.
func takeList<T>(_ list: UnsafeMutablePointer<OpaquePointer?>?, count: Int32,
                 _ wrap: (OpaquePointer) -> T) -> [T] {
    guard let list else { return [] }
    defer { free(list) }
    return (0..<Int(count)).compactMap { list[$0].map(wrap) }
}

/// A wrapped libvirt object: the shared shapes of "call it off the pool, check the result".
protocol LibvirtObject: Sendable {
    var handle: OpaquePointer { get }
    /// What errors are about, e.g. "domain web-1 on qemu:///system".
    var object: String { get }
}

extension LibvirtObject {
    /// A call returning 0 or -1.
    func run(_ what: String, _ call: @escaping @Sendable (OpaquePointer) -> Int32) async throws {
        _ = try await blocking { try check(call(self.handle), what, object: self.object) }
    }

    /// A call returning 1, 0 or -1 (virDomainIsActive and friends).
    func ask(_ what: String, _ call: @escaping @Sendable (OpaquePointer) -> Int32) async throws -> Bool {
        try await blocking { try check(call(self.handle), what, object: self.object) == 1 }
    }

    /// A call returning a string the caller must free (XML, paths).
    func fetch(_ what: String, _ call: @escaping @Sendable (OpaquePointer) -> UnsafeMutablePointer<CChar>?) async throws -> String {
        try await blocking { try check(takeString(call(self.handle)), what, object: self.object) }
    }
}
