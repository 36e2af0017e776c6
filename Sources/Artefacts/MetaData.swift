import Core
import Foundation

/// The guest's `meta-data`. cloud-init runs its once-per-instance modules again when the
/// instance-id changes, so the id carries a digest of the rendered configuration: a guest
/// whose user-data or network-config changed applies them at its next boot.
public enum MetaData {
    public static func render(guestName: String, userData: String, networkConfig: String) -> String {
        YAMLEmitter.render([
            "instance-id": .string(instanceID(guestName: guestName, userData: userData, networkConfig: networkConfig)),
            "local-hostname": .string(guestName),
        ])
    }

    /// `<guest>-<first 16 hex digits of sha256(user-data + network-config)>`.
    public static func instanceID(guestName: String, userData: String, networkConfig: String) -> String {
        var h = SHA256Hasher()
        h.update(Data(userData.utf8))
        h.update(Data(networkConfig.utf8))
        return guestName + "-" + String(Digest.hex(h.finish()).prefix(16))
    }
}
