@testable import Artefacts
import Core
import Foundation
import TestbedState
import Testing

@Suite struct NetworkConfigTests {
    /// The demo image's init (a busybox awk script) reads these exact lines.
    static let tinyCloud = "/work/shared/notes/scripts/tiny"

    func twoNICGuest() throws -> Guest {
        try Fixture.guest("db", nics: [
            Fixture.managementNIC(3),
            .init(network: "lan", isManagement: false, attach: "tb-lab-lan", mac: "52:54:00:20:00:03",
                  ip: "10.10.0.5", prefix: 24, gateway: "10.10.0.1", mtu: 1450),
        ])
    }

    @Test func rendersVersion2ByMACWithRouteAndDNS() throws {
        let text = NetworkConfig.render(guest: try twoNICGuest(), host: Fixture.host())
        #expect(text == """
            version: 2
            ethernets:
              eth0:
                match:
                  macaddress: "52:54:00:10:00:03"
                set-name: eth0
                addresses:
                  - 10.142.0.13/24
                mtu: 1500
                nameservers:
                  addresses:
                    - 10.142.0.1
              eth1:
                match:
                  macaddress: "52:54:00:20:00:03"
                set-name: eth1
                addresses:
                  - 10.10.0.5/24
                mtu: 1450
                routes:
                  - to: 0.0.0.0/0
                    via: 10.10.0.1

            """)
    }

    @Test func aGatewayOnTheManagementNICComesBeforeItsNameservers() throws {
        var nic = Fixture.managementNIC(1)
        nic.gateway = "10.142.0.1"
        let text = NetworkConfig.render(guest: try Fixture.guest("a", nics: [nic]), host: Fixture.host())
        #expect(text.hasSuffix("""
                mtu: 1500
                routes:
                  - to: 0.0.0.0/0
                    via: 10.142.0.1
                nameservers:
                  addresses:
                    - 10.142.0.1

            """))
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: tinyCloud + "/netv2.awk")))
    func theDemoInitReadsEveryInterface() async throws {
        let text = NetworkConfig.render(guest: try twoNICGuest(), host: Fixture.host())
        let flat = try await Fixture.run(["awk", "-v", "Q='", "-f", Self.tinyCloud + "/netv2.awk"], stdin: text)
        #expect(flat == """
            eth0|52:54:00:10:00:03|eth0||10.142.0.13/24||10.142.0.1
            eth1|52:54:00:20:00:03|eth1||10.10.0.5/24|10.10.0.1|

            """)
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: tinyCloud + "/keys.awk")))
    func theDemoInitFindsTheAuthorizedKeys() async throws {
        let guest = try Fixture.guest("db")
        let key = try GuestHostKey.derive(for: guest, projectSecret: Fixture.secret)
        for user in ["root", "tb"] {
            let text = try UserData.render(guest: guest, state: Fixture.state(user: user, guests: [guest]),
                                           hostKey: key, files: [], extra: nil)
            let keys = try await Fixture.run(["awk", "-v", "Q='", "-f", Self.tinyCloud + "/keys.awk"], stdin: text)
            #expect(keys == Fixture.projectKey + "\n")
        }
    }

    @Test func metaDataNamesTheInstanceByItsConfiguration() {
        let text = MetaData.render(guestName: "db", userData: "#cloud-config\n", networkConfig: "version: 2\n")
        let digest = Digest.sha256Hex(Data("#cloud-config\nversion: 2\n".utf8)).prefix(16)
        #expect(text == "instance-id: db-\(digest)\nlocal-hostname: db\n")
        #expect(MetaData.instanceID(guestName: "db", userData: "a", networkConfig: "b")
                != MetaData.instanceID(guestName: "db", userData: "a", networkConfig: "c"))
    }
}
