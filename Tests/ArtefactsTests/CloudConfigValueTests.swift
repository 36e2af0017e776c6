import Artefacts
import Testing

@Suite struct CloudConfigValueTests {
    let generated: CloudConfigValue = [
        "hostname": "web-0",
        "ssh_pwauth": false,
        "ssh_authorized_keys": ["ssh-ed25519 AAAA project"],
        "ssh_keys": ["ed25519_private": "PRIV", "ed25519_public": "PUB"],
        "write_files": [["path": "/etc/a"]],
    ]

    @Test func mapsMergeGeneratedKeysFirstThenExtraKeysInTheirOrder() {
        let merged = CloudConfigValue.merge(generated: generated, extra: [
            "runcmd": ["echo hi"],
            "packages": ["curl"],
            "ssh_keys": ["rsa_private": "R"],
        ])
        guard case .map(let entries) = merged else { Issue.record("not a map"); return }
        #expect(entries.map(\.key) == ["hostname", "ssh_pwauth", "ssh_authorized_keys", "ssh_keys", "write_files",
                                       "runcmd", "packages"])
        #expect(merged["ssh_keys"] == ["ed25519_private": "PRIV", "ed25519_public": "PUB", "rsa_private": "R"])
        #expect(merged["runcmd"] == ["echo hi"])
    }

    @Test func listsConcatenateGeneratedFirst() {
        let merged = CloudConfigValue.merge(generated: generated, extra: [
            "ssh_authorized_keys": ["ssh-ed25519 BBBB mine"],
            "write_files": [["path": "/etc/b"]],
        ])
        #expect(merged["ssh_authorized_keys"] == ["ssh-ed25519 AAAA project", "ssh-ed25519 BBBB mine"])
        #expect(merged["write_files"] == [["path": "/etc/a"], ["path": "/etc/b"]])
    }

    @Test func ownedKeysKeepTheGeneratedValueOnConflicts() {
        let merged = CloudConfigValue.merge(generated: generated, extra: [
            "hostname": "other",
            "ssh_keys": ["ed25519_private": "EVIL"],
            "ssh_authorized_keys": "not a list",
        ])
        #expect(merged["hostname"] == "web-0")
        #expect(merged["ssh_keys"]?["ed25519_private"] == "PRIV")
        #expect(merged["ssh_authorized_keys"] == ["ssh-ed25519 AAAA project"])
    }

    @Test func extraWinsScalarConflictsElsewhere() {
        let merged = CloudConfigValue.merge(
            generated: ["ssh_pwauth": false, "chpasswd": ["expire": true, "list": ["a"]]],
            extra: ["ssh_pwauth": true, "chpasswd": ["expire": false, "list": "b"]])
        #expect(merged == ["ssh_pwauth": true, "chpasswd": ["expire": false, "list": "b"]])
    }

    @Test func emptyOrNonMapExtraLeavesTheGeneratedDocument() {
        #expect(CloudConfigValue.merge(generated: generated, extra: nil) == generated)
        #expect(CloudConfigValue.merge(generated: generated, extra: ["a"]) == generated)
        #expect(CloudConfigValue.merge(generated: generated, extra: .map([])) == generated)
    }
}
