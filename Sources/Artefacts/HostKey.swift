import Core
import TestbedState

/// A guest's SSH host key. The compiler records only the public line in the state; the private
/// key is derived again here from the project secret, so the state file holds no secrets.
public enum GuestHostKey {
    public static func label(for guestName: String) -> String { "hostkey:" + guestName }

    /// The guest's key pair, checked against the public key the state recorded. A mismatch means
    /// the state was compiled with another project secret: seeding this key would make the guest
    /// present a key tbctl then refuses.
    public static func derive(for guest: Guest, projectSecret: [UInt8]) throws -> Ed25519Key {
        let key = try Ed25519Key.derive(secret: projectSecret, label: label(for: guest.name))
        // Type and key blob decide; the comment is only a label.
        let derived = key.publicLine(comment: guest.name).split(separator: " ").prefix(2)
        let recorded = guest.hostKey.split(separator: " ").prefix(2)
        guard derived.elementsEqual(recorded) else {
            throw TBError(.hostKeyMismatch,
                          "the host key in the state does not come from this project's secret; run `tbctl generate-artefacts` again",
                          object: "guest \(guest.name)")
        }
        return key
    }
}
