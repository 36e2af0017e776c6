import CLibvirt
import Foundation

/// libvirt's default event loop, run on one dedicated thread for the whole process.
///
/// Lifecycle events, keepalive and connection-close detection are dispatched from this loop,
/// so it must be registered before the first connection opens (libvirt binds a connection to
/// the loop that exists when it opens). `LibvirtConnection.open` starts it; nothing else needs to.
public final class LibvirtEventLoop: Sendable {
    public static let shared = LibvirtEventLoop()

    private init() {
        // Must precede any other libvirt call in a multithreaded process.
        virInitialize()
        // Without a handler libvirt prints every error to stderr; we report them as TBErrors.
        virSetErrorFunc(nil) { _, _ in }
        virEventRegisterDefaultImpl()
        let thread = Thread {
            while true {
                // Returns after each dispatched batch of events. A failure is logged by libvirt
                // (to our silent handler) and is not fatal: keep serving the other events.
                if virEventRunDefaultImpl() < 0 { usleep(10_000) }
            }
        }
        thread.name = "libvirt-events"
        thread.start()
    }

    /// Registers the loop and starts its thread on first use; cheap afterwards.
    public static func start() {
        _ = shared
    }
}
