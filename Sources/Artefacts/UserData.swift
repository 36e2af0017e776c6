import Core
import Foundation
import TestbedState

/// The guest's `user-data`: a `#cloud-config` document with the hostname, the login user and
/// the project's key, the host key tbctl recorded, the guest's files and env, then whatever
/// the user's extra cloud-config adds (`CloudConfigValue.merge`).
public enum UserData {
    public static func render(guest: Guest, state: TestbedState, hostKey: Ed25519Key,
                              files: [WriteFile], extra: CloudConfigValue?) throws -> String {
        var document = generated(guest: guest, state: state, hostKey: hostKey, files: files)
        if let extra {
            guard extra.isMap || extra == .null else {
                throw TBError(.invalidInput,
                              "extra user-data \(guest.userData ?? "") must be a mapping of cloud-config keys",
                              object: "guest \(guest.name)")
            }
            document = CloudConfigValue.merge(generated: document, extra: extra)
        }
        return "#cloud-config\n" + YAMLEmitter.render(document)
    }

    /// The generated document, keys in the order the demo image's init expects.
    public static func generated(guest: Guest, state: TestbedState, hostKey: Ed25519Key,
                                 files: [WriteFile]) -> CloudConfigValue {
        let isRoot = state.user == "root"
        var doc: [CloudConfigValue.Entry] = [.init("hostname", .string(guest.name))]
        if isRoot { doc.append(.init("disable_root", false)) }
        doc.append(.init("ssh_pwauth", false))
        if isRoot { doc.append(.init("ssh_authorized_keys", [.string(state.sshPublicKey)])) }
        // Only the recorded host key: delete the image's keys and generate none.
        doc.append(.init("ssh_deletekeys", true))
        doc.append(.init("ssh_genkeytypes", []))
        doc.append(.init("ssh_keys", [
            "ed25519_private": .string(hostKey.privatePEM(comment: guest.name)),
            "ed25519_public": .string(hostKey.publicLine(comment: guest.name)),
        ]))
        if !isRoot { doc.append(.init("users", [loginUser(state)])) }
        if !files.isEmpty { doc.append(.init("write_files", .list(files.map(writeFile)))) }
        return .map(doc)
    }

    private static func loginUser(_ state: TestbedState) -> CloudConfigValue {
        [
            "name": .string(state.user),
            "shell": "/bin/sh",
            "sudo": "ALL=(ALL) NOPASSWD:ALL",
            "ssh_authorized_keys": [.string(state.sshPublicKey)],
        ]
    }

    /// base64 keeps any bytes (binaries, CRLF text) intact through YAML.
    private static func writeFile(_ file: WriteFile) -> CloudConfigValue {
        [
            "path": .string(file.path),
            "permissions": .string(octal(file.permissions)),
            "encoding": "b64",
            "content": .string(Data(file.content).base64EncodedString()),
        ]
    }

    static func octal(_ mode: Int) -> String {
        let digits = String(mode & 0o7777, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
